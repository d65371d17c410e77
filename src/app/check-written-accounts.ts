import type { NamedPerson } from "../model/person.js";
import type { PeopleDeps } from "../policy/named-people.js";
import { errorMessage } from "../util/errors.js";

/** `GET /user/{account_id}`: the login the account has now; undefined: no account has the id. Throws when GitHub cannot say. */
export type LoginOf = (accountId: number) => Promise<string | undefined>;

/**
 * Each `login#account-id` a server setting names, asked of GitHub: an id whose account has another
 * login than the one written (a mistyped id, or one copied from another account) is told to the
 * operator, both named. The id is trusted all the same: it is what the operator wrote, and the
 * login beside it may just be an old one. Returns those GitHub could not answer (asked again later).
 */
export async function checkWrittenAccounts(
  deps: Pick<PeopleDeps, "log"> & { loginOf: LoginOf },
  accounts: readonly Required<NamedPerson>[],
): Promise<Required<NamedPerson>[]> {
  const unchecked: Required<NamedPerson>[] = [];
  for (const { login, id } of accounts) {
    let now: string | undefined;
    try {
      now = await deps.loginOf(id);
    } catch (e) {
      deps.log.warn({ login, accountId: id, err: errorMessage(e) }, `could not ask GitHub which login account ${id} has`);
      unchecked.push({ login, id });
      continue;
    }
    if (now === undefined)
      deps.log.error(
        { login, accountId: id },
        `the server config names ${login}#${id}, and no GitHub account has the id ${id}: it grants nothing; check the id (GET /user/${id})`,
      );
    else if (now.toLowerCase() !== login.toLowerCase())
      deps.log.error(
        { login, accountId: id, accountLogin: now },
        `the server config names ${login}#${id}, but GitHub account ${id} is ${now}, not ${login}: it is trusted as written (account ${id}, ${now}). If ${login} was meant, the id is wrong (mistyped, or copied from another account): write ${login}'s own id; if ${login} is ${now}'s old login, write ${now}#${id}`,
      );
  }
  return unchecked;
}
