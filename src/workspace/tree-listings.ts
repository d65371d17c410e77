import { type GitObjectOptions, listTree, type TreeListing } from "./git-objects.js";

/** Tree listings kept: a 200,000-file listing takes some 30 MB. */
const LISTINGS_KEPT = 2;

/** The newest tree listings of mirrors' commits, so a job listing a commit and then reading its files lists it once. */
export class TreeListings {
  /** mirror + commit -> listing, oldest first. */
  private readonly listings = new Map<string, TreeListing>();

  constructor(private readonly options: GitObjectOptions) {}

  /**
   * Every path at `sha` and the blob id of each file. The last few listings are kept, so a job
   * listing a commit and then reading its files lists it once.
   */
  async get(mirror: string, sha: string): Promise<TreeListing> {
    const key = `${mirror}\0${sha}`;
    const cached = this.listings.get(key);
    if (cached) {
      this.listings.delete(key);
      this.listings.set(key, cached);
      return cached;
    }
    const listing = await listTree(mirror, sha, this.options);
    this.listings.set(key, listing);
    for (const old of this.listings.keys()) {
      if (this.listings.size <= LISTINGS_KEPT) break;
      this.listings.delete(old);
    }
    return listing;
  }
}
