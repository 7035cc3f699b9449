// A large request body handed from the route to the one verb that reads it. Whoever still holds the holder (the
// route's arguments, a suspended handler) no longer keeps the bytes alive once the verb has taken them, so a 100 MB
// report's bytes can be freed as soon as they are decoded instead of when the request ends.

export class OwnedBytes {
  #bytes: Uint8Array | null;
  /** the size of the bytes, also after they were taken */
  readonly byteLength: number;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.byteLength = bytes.byteLength;
  }

  /** Something computed from the bytes (their hash) while the holder keeps them. */
  read<T>(f: (bytes: Uint8Array) => T): T {
    if (!this.#bytes) throw new Error("the request body was already taken");
    return f(this.#bytes);
  }

  /**
   * The bytes handed to `f`, once: the holder forgets them, and once `f` returns nothing here holds them either. (A
   * method, not an expression at the call: a bundler inlines small functions, and an interpreter frame keeps what its
   * expressions computed until it returns, so `decode(owned.take())` inside a long parse kept the bytes for all of it.)
   */
  consume<T>(f: (bytes: Uint8Array) => T): T {
    return f(this.take());
  }

  /** The bytes, once: the holder forgets them. */
  take(): Uint8Array {
    const bytes = this.#bytes;
    if (!bytes) throw new Error("the request body was already taken");
    this.#bytes = null;
    return bytes;
  }
}
