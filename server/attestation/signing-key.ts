// The key that signs gate decisions: ECDSA P-256, kept as a PKCS#8 PEM file that only its owner can read
// (never in the database, the logs or the audit trail). One file per installation, or one shared by every
// instance through GATEHOUSE_SIGNING_KEY_FILE; a changed file (rotation) is picked up at the next signature.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from "node:crypto";
import {
  chmodSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  type Stats,
} from "node:fs";
import path from "node:path";
import { env, type Env } from "../env";

export const SIGNING_ALGORITHM = "ecdsa-p256-sha256";
export const DATA_DIR_KEY_FILE = "signing-key.pem";

export type SigningKey = { keyId: string; privateKey: KeyObject; publicKeyPem: string };
/** shared: GATEHOUSE_SIGNING_KEY_FILE (other instances use it too); otherwise this installation's own file */
export type KeySource = { file: string; shared: boolean };

export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SigningKeyError";
  }
}

/** keyid: lowercase hex SHA-256 of the public key's DER SubjectPublicKeyInfo (what `openssl pkey -pubout -outform DER` prints). */
export const keyIdOf = (publicKey: KeyObject): string =>
  createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("hex");

/** An ECDSA P-256 signature, ASN.1 DER encoded (as cosign, sigstore and openssl expect), over SHA-256 of bytes. */
export const signBytes = (key: SigningKey, bytes: Uint8Array): Buffer =>
  sign("sha256", bytes, { key: key.privateKey, dsaEncoding: "der" });

export function keySourceFromEnv(e: Pick<Env, "GATEHOUSE_SIGNING_KEY_FILE" | "GATEHOUSE_DATA_DIR">): KeySource {
  return e.GATEHOUSE_SIGNING_KEY_FILE
    ? { file: path.resolve(e.GATEHOUSE_SIGNING_KEY_FILE), shared: true }
    : { file: path.resolve(/* turbopackIgnore: true */ e.GATEHOUSE_DATA_DIR, DATA_DIR_KEY_FILE), shared: false };
}

export function parseSigningKey(pem: string, file: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new SigningKeyError(`${file} does not hold a PEM private key`);
  }
  if (privateKey.asymmetricKeyType !== "ec" || privateKey.asymmetricKeyDetails?.namedCurve !== "prime256v1")
    throw new SigningKeyError(`${file} must hold an ECDSA P-256 private key`);
  const publicKey = createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), privateKey, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }) as string };
}

const newKeyPem = (): string =>
  generateKeyPairSync("ec", {
    namedCurve: "P-256",
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey;

/** Writes a new key file: replacing the old one atomically, or only if none exists (another instance may race us). */
function writeKeyFile(file: string, pem: string, replace: boolean): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(tmp, pem, { mode: 0o600, flag: "wx" });
  try {
    if (replace) renameSync(tmp, file);
    else {
      try {
        linkSync(tmp, file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
    }
  } finally {
    if (!replace) unlinkSync(tmp);
  }
}

const statOf = (file: string): Stats | null => {
  try {
    return statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new SigningKeyError(`cannot read the signing key file ${file}: ${(e as Error).message}`);
  }
};
const stampOf = (st: Stats) => `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.mode}`;

type Holder = { source: KeySource; key: SigningKey | null; stamp: string | null; warned: boolean };
const KEY = Symbol.for("gatehouse.signing");
type Global = { [KEY]?: Holder };

/** Where this process's signing key lives. The server sets it at start-up; tests point it at a temporary file. */
export function configureSigning(source: KeySource): void {
  (globalThis as Global)[KEY] = { source, key: null, stamp: null, warned: false };
}

function holder(): Holder {
  const g = globalThis as Global;
  if (!g[KEY]) {
    // Route bundles and CLI commands that run before any configuration read the same settings as the server.
    configureSigning(keySourceFromEnv(env()));
  }
  return g[KEY]!;
}

export const signingKeySource = (): KeySource => holder().source;

/** The key to sign with now: loaded (or generated at first use), and reloaded when the file has changed. */
export function currentSigningKey(onLooseMode?: (file: string, mode: number) => void): SigningKey {
  const h = holder();
  let st = statOf(h.source.file);
  if (!st) {
    writeKeyFile(h.source.file, newKeyPem(), false);
    st = statOf(h.source.file)!;
  }
  if (h.key && h.stamp === stampOf(st)) return h.key;
  if (!st.isFile()) throw new SigningKeyError(`${h.source.file} is not a file`);
  const mode = st.mode & 0o777;
  if (mode & 0o077) {
    // Our own file is repaired; a shared one (a mounted secret, say) may not be ours to change.
    if (!h.source.shared) chmodSync(h.source.file, 0o600);
    else if (!h.warned) {
      h.warned = true;
      onLooseMode?.(h.source.file, mode);
    }
  }
  h.key = parseSigningKey(readFileSync(h.source.file, "utf8"), h.source.file);
  h.stamp = stampOf(statOf(h.source.file)!);
  return h.key;
}

/** Replaces the key file with a new key (atomic rename) and returns the previous and the new key. */
export function replaceSigningKeyFile(): { previous: SigningKey; current: SigningKey } {
  const previous = currentSigningKey();
  const h = holder();
  try {
    writeKeyFile(h.source.file, newKeyPem(), true);
  } catch (e) {
    throw new SigningKeyError(`cannot write a new signing key to ${h.source.file}: ${(e as Error).message}`);
  }
  return { previous, current: currentSigningKey() };
}
