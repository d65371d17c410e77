import { type GitObjectOptions, listTree, type TreeListing } from "./git-objects.js";

/** Tree listings kept: a 200,000-file listing takes some 30 MB. */
const LISTINGS_KEPT = 2;

/** The newest tree listings of mirrors' commits, so a job listing a commit and then reading its files lists it once. */
export class TreeListings {
  /** mirror + commit -> listing (or its read under way), oldest first. */
  private readonly listings = new Map<string, Promise<TreeListing>>();

  constructor(private readonly options: GitObjectOptions) {}

  /**
   * Every path at `sha` and the blob id of each file. The last few listings are kept, and a read
   * under way is shared: a checkout lists its head for the job while its sparse worktree is being
   * written from the same listing, and each used to run its own `git ls-tree` of the whole tree.
   */
  /** The listing of `sha` when one is kept or being read, without reading one (undefined otherwise). */
  kept(mirror: string, sha: string): Promise<TreeListing> | undefined {
    return this.listings.get(`${mirror}\0${sha}`);
  }

  get(mirror: string, sha: string): Promise<TreeListing> {
    const key = `${mirror}\0${sha}`;
    const kept = this.listings.get(key);
    if (kept) {
      this.listings.delete(key);
      this.listings.set(key, kept);
      return kept;
    }
    const listing = listTree(mirror, sha, this.options);
    this.listings.set(key, listing);
    // A failed read is not kept: the next ask runs git again.
    listing.catch(() => {
      if (this.listings.get(key) === listing) this.listings.delete(key);
    });
    for (const old of this.listings.keys()) {
      if (this.listings.size <= LISTINGS_KEPT) break;
      this.listings.delete(old);
    }
    return listing;
  }
}
