/** Output of a command as read back from the guest. */
export interface DecodedOutput {
  readonly text: string;
  readonly truncated: boolean;
}

/**
 * Decodes captured output: UTF-16LE when it starts with its byte order mark
 * (what `cmd /u` and PowerShell redirection write), UTF-8 otherwise. Keeps at
 * most `maxBytes` bytes.
 */
export function decodeOutput(bytes: Uint8Array, maxBytes: number): DecodedOutput {
  const truncated = bytes.length > maxBytes;
  const kept = truncated ? bytes.subarray(0, maxBytes) : bytes;
  if (kept[0] === 0xff && kept[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(kept.subarray(2)), truncated };
  // TextDecoder('utf-8') drops a leading byte order mark itself.
  return { text: new TextDecoder('utf-8').decode(kept), truncated };
}
