import fs from 'node:fs';
import path from 'node:path';
import { allMoneyIn, type Directions, parseDirections } from '../../../shared/src/sheets/directions';
import type { Config } from '../config/load';

/**
 * SHEETS_DIRECTIONS_FILE, re-read when it changes (accounting edits routing without a restart). Without a
 * file every row is money in. A file that cannot be read or parsed stops the sync with its reason rather
 * than routing rows by guesswork.
 */
let cached: { file: string; mtimeMs: number; directions: Directions } | undefined;

export class DirectionsFileError extends Error {}

export function loadDirections(
  config: Pick<Config, 'SHEETS_DIRECTIONS_FILE'>,
  cwd = process.cwd(),
): Directions {
  if (!config.SHEETS_DIRECTIONS_FILE) return allMoneyIn;
  const file = path.resolve(cwd, config.SHEETS_DIRECTIONS_FILE);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new DirectionsFileError(`SHEETS_DIRECTIONS_FILE ${file} does not exist`);
  }
  if (cached && cached.file === file && cached.mtimeMs === stat.mtimeMs) return cached.directions;
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new DirectionsFileError(`SHEETS_DIRECTIONS_FILE ${file} is not JSON: ${(error as Error).message}`);
  }
  try {
    const directions = parseDirections(json);
    cached = { file, mtimeMs: stat.mtimeMs, directions };
    return directions;
  } catch (error) {
    throw new DirectionsFileError(`SHEETS_DIRECTIONS_FILE ${file}: ${(error as Error).message}`);
  }
}
