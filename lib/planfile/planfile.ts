// The plan file on disk: writing a SavedPlan, and reading one back only if it is exactly what
// starform wrote.
//
// The file is deterministic: canonical content (sorted keys, no timestamps, files embedded
// by digest) laid out with two-space indentation down to the records, each instruction
// and change on a line of its own (compact), so the same package, args and state give a
// byte-identical plan file, a plan file diffs record by record in review, and its size is
// that of the compact form (each configuration is written once: planfile-v1.ts). Its `checksum` is
// the sha256 of the canonical JSON (RFC 8785) of everything else in the file, so it does
// not depend on white space, only on content.
//
// Reading checks, in this order, each with its own message: the file is JSON; it is a
// plan file of a format version this starform reads; the checksum matches (an edited
// plan is refused: what was reviewed is what gets applied); the schema and the plan's own
// consistency hold (what each change shows is what its instruction runs).
//
// A plan may carry a `signature` of its checksum (signing.ts); the checksum is computed
// without it. Whether a signature is required is the reader's decision (`apply` with a
// configured key). Plan files are created 0600, like the state: they hold the same values.
//
// With encryption at rest configured, the file is an envelope (lib/util/envelope.ts) of
// exactly these bytes: the checksum, signature and stale-plan checks all run on the
// decrypted text, as they do on a plaintext plan.
import { UserError, bulletList } from '../util/errors.js';
import { openBytes, sealBytes, type Encryption } from '../util/envelope.js';
import { atomicWriteFile, checkFormatVersion, decodeText, ioError, readFileIfExists } from '../util/files.js';
import { digestOfPieces, jsonDigest, type Digest } from '../util/hash.js';
import { emitRecordsCanonicalJson, formatJson, parseJson, type JsonObject } from '../util/json.js';
import { STARFORM_VERSION } from '../util/package-info.js';
import type { ChangeCore, InstructionCore, SavedPlan } from './model.js';
import * as v1 from './planfile-v1.js';
import { signChecksum, type PlanKey, type PlanSignature, type SignatureAlgorithm } from './signing.js';

/** Permissions of a plan file: the owner's only, as for the state it holds values of. */
export const PLAN_FILE_MODE = 0o600;

/** The format version this starform writes. */
export const PLAN_FORMAT_VERSION = v1.FORMAT_VERSION;

const WHAT = 'plan file';

/**
 * A plan read from a file, with what the file says about itself. Its records are known by
 * their core fields (checked); the rest is what the writer wrote (the checksum vouches).
 */
export interface LoadedPlan {
  readonly plan: SavedPlan;
  readonly formatVersion: number;
  /** The starform version that wrote the file. */
  readonly starformVersion: string;
  /** The file's checksum: identifies the reviewed plan. */
  readonly checksum: Digest;
  /** The signature of the checksum, if the plan was signed (not verified here: see signing.ts). */
  readonly signature: PlanSignature | null;
}

export interface SerializeOptions {
  /** Sign the plan with this key. */
  readonly signWith?: PlanKey;
}

export interface WritePlanOptions extends SerializeOptions {
  /** Write the file as an envelope sealed with this encryption. */
  readonly encryption?: Encryption;
}

export interface SerializedPlan {
  readonly text: string;
  readonly checksum: Digest;
}

/** The file text of a plan; deterministic. Throws if the plan is inconsistent (a bug). */
export function serializePlan(
  plan: SavedPlan<InstructionCore, ChangeCore>,
  starformVersion: string = STARFORM_VERSION,
  options: SerializeOptions = {},
): SerializedPlan {
  const body = v1.encode(plan, starformVersion);
  // The checksum's canonical text and the file's one-line records are the same texts, made once.
  const recordTexts = new Map<object, string>();
  const checksum = digestOfPieces((emit) => emitRecordsCanonicalJson(body, recordTexts, emit));
  const signed = options.signWith === undefined ? undefined : signChecksum(checksum, options.signWith);
  const file = {
    ...body,
    checksum,
    ...(signed ? { signature: { algorithm: signed.algorithm, key_id: signed.keyId, value: signed.value } } : {}),
  };
  const problems = v1.checkEncoded(file, plan);
  if (problems.length > 0) throw new Error(`refusing to write an invalid plan:\n${bulletList(problems)}`);
  return { text: formatJson(file, { leadingKeys: v1.LEADING_KEYS, oneLineFrom: 2, recordTexts }), checksum };
}

/** Writes a plan file atomically, mode 0600 (an existing file too); returns its checksum. */
export async function writePlanFile(path: string, plan: SavedPlan<InstructionCore, ChangeCore>, options: WritePlanOptions = {}): Promise<Digest> {
  const { text, checksum } = serializePlan(plan, STARFORM_VERSION, options);
  const bytes = await sealBytes(options.encryption, Buffer.from(text, 'utf8'));
  try {
    await atomicWriteFile(path, bytes, { mode: PLAN_FILE_MODE });
  } catch (err) {
    throw ioError(err, path, 'cannot write the plan file');
  }
  return checksum;
}

/** Parses and verifies the text of a plan file; `file` is named in errors. */
export function parsePlan(text: string, file: string): LoadedPlan {
  const location = { file };
  const { object, version } = checkFormatVersion(parseJson(text, file), file, {
    what: WHAT,
    supported: [v1.FORMAT_VERSION],
  });
  const { checksum, signature, ...body } = object;
  if (typeof checksum !== 'string') {
    throw new UserError('not a valid plan file: it has no checksum', { location });
  }
  const actual = jsonDigest(body as JsonObject);
  if (actual !== checksum) {
    throw new UserError('the plan file was modified after starform wrote it (its checksum does not match); refusing it', {
      location,
      hint: 'Plan files must not be edited. Run `starform plan` again to make a new one.',
    });
  }
  const { problems, plan } = v1.check(object);
  if (problems.length > 0 || plan === null) {
    throw new UserError(`not a valid plan file (format version ${version}):\n${bulletList(problems)}`, { location });
  }
  const sig = signature as { algorithm: SignatureAlgorithm; key_id: string; value: string } | undefined;
  return {
    plan,
    formatVersion: version,
    starformVersion: object['starform_version'] as string,
    checksum: actual,
    signature: sig === undefined ? null : { algorithm: sig.algorithm, keyId: sig.key_id, value: sig.value },
  };
}

/** Reads and verifies a plan file (decrypting it first with `encryption`; without, an encrypted plan is refused). */
export async function readPlanFile(path: string, encryption?: Encryption): Promise<LoadedPlan> {
  const bytes = await readFileIfExists(path, WHAT);
  if (bytes === null) throw new UserError(`${WHAT} not found`, { location: { file: path } });
  return parsePlan(decodeText(await openBytes(encryption, bytes, path, WHAT)), path);
}
