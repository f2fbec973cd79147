/**
 * Which code encrypts a connection: ssh2's optional native binding (built
 * at install time when a C++ compiler is there; about three times faster
 * for AES-GCM downloads here) or the JavaScript path over Node's crypto,
 * which ssh2 falls back to without the binding. `offload test --verbose`
 * shows it per connection, with the cipher.
 *
 * @example
 * import { nativeCryptoAvailable } from "./crypto-path.ts";
 * if (!nativeCryptoAvailable()) console.error("ssh2 has no native binding here: AES-GCM runs in JavaScript");
 * session.crypto; // per connection (session.ts): the cipher and whether the binding or JavaScript runs it
 */
import { createRequire } from "node:module";

/** How one connection encrypts. */
export interface ConnectionCrypto {
  /** Cipher from client to server and back (the same unless the server chose otherwise). */
  cipher: string;
  /** "native": ssh2's C++ binding; "javascript": its JavaScript path over Node's crypto. */
  path: "native" | "javascript";
}

/** The ssh2 internals read here (ssh2 is pinned exactly). */
interface ClientInternals {
  _protocol?: { _cipher?: object; _decipher?: object };
}

/**
 * Whether ssh2's native crypto binding loaded in this process: false after
 * an install without a C++ compiler.
 */
export function nativeCryptoAvailable(): boolean {
  const crypto = createRequire(import.meta.url)("ssh2/lib/protocol/crypto.js") as { bindingAvailable?: boolean };
  return crypto.bindingAvailable === true;
}

/**
 * The crypto of a connected ssh2 client: the negotiated cipher, and the
 * path, from the class ssh2 chose for it (its binding's classes end in
 * "Binding").
 *
 * @example
 * const { client, negotiated } = await establish(machine, {});
 * cryptoOfClient(client, negotiated.cs.cipher); // the cipher, e.g. aes128-gcm@openssh.com, and "native" or "javascript"
 */
export function cryptoOfClient(client: object, cipher: string): ConnectionCrypto {
  const protocol = (client as ClientInternals)._protocol;
  const names = [protocol?._cipher, protocol?._decipher].map((part) => (part === undefined ? "" : part.constructor.name));
  const known = names.some((name) => name !== "" && name !== "NullCipher" && name !== "NullDecipher");
  const native = known ? names.every((name) => name.endsWith("Binding")) : nativeCryptoAvailable();
  return { cipher, path: native ? "native" : "javascript" };
}
