import { run } from "probot";

/**
 * With no credentials yet, Probot's setup app serves the GitHub App manifest flow (app.yml):
 * open the printed URL, create the app, and Probot writes APP_ID, PRIVATE_KEY and WEBHOOK_SECRET
 * to .env. Restart afterwards to run Sluice itself.
 */
export async function startManifestSetup(): Promise<void> {
  console.log("sluice: no APP_ID / PRIVATE_KEY / WEBHOOK_SECRET yet: starting the GitHub App registration flow.");
  await run(() => {});
}
