// Tickets keep a store's lists from going back in time. A list is read
// again after every change (a problem added, an appointment moved), and the
// answers can come back in any order on a slow PC or network: an answer
// counts only if no later read of the same list was started before it came.

export class Tickets {
  #last = new Map<string, number>();
  #n = 0;

  /** take starts a read of list what; the check it gives says whether the
   * answer is still the newest one asked for. */
  take(what: string): () => boolean {
    const mine = ++this.#n;
    this.#last.set(what, mine);
    return () => this.#last.get(what) === mine;
  }

  /** dropAll makes every read still on its way count for nothing (another
   * patient was opened, or someone signed out). */
  dropAll() {
    this.#last.clear();
  }
}
