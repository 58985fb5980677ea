import fs from 'node:fs/promises';
import path from 'node:path';
import { maxReportBytes, type ReportSource, SourceError } from './source';

/** Reports copied into a local folder by other means (rsync, a mounted share) — and the demo's samples. */
export function localFolderSource(folder: string): ReportSource {
  const root = path.resolve(folder);
  return {
    description: `folder ${root}`,
    async list() {
      try {
        return await fs.readdir(root);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') {
          throw new SourceError(
            `The report folder ${root} does not exist; set ZIMBRA_REPORT_PATH to the folder holding MailboxUsage_YYYY-MM-DD.txt files (or ZIMBRA_HOST to read them over SSH)`,
            'config',
          );
        }
        throw new SourceError(`Cannot list ${root}: ${(error as Error).message}`, 'io');
      }
    },
    async read(name) {
      if (path.basename(name) !== name) throw new SourceError(`Refusing report name "${name}"`, 'io');
      const file = path.join(root, name);
      const stat = await fs.stat(file);
      if (stat.size > maxReportBytes)
        throw new SourceError(`${name} is larger than ${maxReportBytes} bytes`, 'io');
      return fs.readFile(file, 'utf8');
    },
    async close() {},
  };
}
