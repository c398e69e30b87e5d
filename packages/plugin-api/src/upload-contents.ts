import type { UploadContents } from './deployment.js';

/** How many bytes `contents` holds. */
export function contentsSize(contents: UploadContents): number {
  return contents instanceof Uint8Array ? contents.byteLength : contents.size;
}

/**
 * The chunks of `contents`, in order: the bytes themselves, or a fresh read of
 * the stream. For sessions whose transport takes a file in pieces.
 */
export async function* contentsChunks(contents: UploadContents, signal: AbortSignal): AsyncIterable<Uint8Array> {
  if (contents instanceof Uint8Array) {
    yield contents;
    return;
  }
  let read = 0;
  for await (const chunk of contents.open(signal)) {
    signal.throwIfAborted();
    read += chunk.byteLength;
    if (read > contents.size) throw new Error(`the upload source yielded more than its ${contents.size} bytes`);
    yield chunk;
  }
  if (read !== contents.size) throw new Error(`the upload source yielded ${read} bytes, not ${contents.size}`);
}

/**
 * All of `contents` in one buffer, for transports that can only send a whole
 * file at once (a simulated guest, a single request body). Streams are read to
 * the end; prefer `contentsChunks` where the transport can take pieces.
 */
export async function contentsBytes(contents: UploadContents, signal: AbortSignal): Promise<Uint8Array> {
  if (contents instanceof Uint8Array) return contents;
  const whole = new Uint8Array(contents.size);
  let offset = 0;
  for await (const chunk of contentsChunks(contents, signal)) {
    whole.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return whole;
}
