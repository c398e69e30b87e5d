import { describe, expect, it } from 'vitest';
import { FOLDER_SCRIPT_HEADER, windowsFolderCommand, windowsFolderScript } from './windows-folder-script.js';

describe('windows folder script', () => {
  it('the encoded command is the whole script, byte for byte, whatever the length of the values (the body is encoded once)', () => {
    for (let length = 1; length <= 12; length++) {
      for (const verb of ['check', 'prepare', 'remove', 'stale'] as const) {
        const request = { verb, mode: 'non-persistent' as const, root: 'C:\\Windows\\Temp', folder: `C:\\Windows\\Temp\\gipkit-${'x'.repeat(length)}-é'q` };
        const command = windowsFolderCommand(request);
        expect(command.at(-2)).toBe('-EncodedCommand');
        expect(Buffer.from(command.at(-1) ?? '', 'base64').toString('utf16le')).toBe(windowsFolderScript(request));
      }
    }
  });

  it('starts with its header and metadata, and quotes the values it runs with', () => {
    const script = windowsFolderScript({ verb: 'remove', mode: 'persistent', root: 'C:\\Program Files\\gipkit', folder: "C:\\Program Files\\gipkit\\it's" });
    expect(script.split('\n').slice(0, 5)).toEqual([FOLDER_SCRIPT_HEADER, '# gipkit-verb: remove', '# gipkit-mode: persistent', '# gipkit-root: C:\\Program Files\\gipkit', "# gipkit-folder: C:\\Program Files\\gipkit\\it's"]);
    expect(script).toContain("$Folder = 'C:\\Program Files\\gipkit\\it''s'");
  });
});
