/**
 * An in-memory spreadsheet as strict as Sheets where it matters to the add-on: 1-based ranges with bounds
 * and shape checks; strings that look like formulas or numbers are interpreted as Sheets would unless the
 * cell is plain text ('@') or the text starts with an apostrophe; Date cells come back as Date objects;
 * every range read/write is counted, so a test can prove batching.
 */
export type Cell = string | number | boolean | Date;

export interface RangeStats {
  reads: number;
  writes: number;
}

export class FakeSpreadsheet {
  readonly sheets: FakeSheet[] = [];
  readonly toasts: string[] = [];
  readonly stats: RangeStats = { reads: 0, writes: 0 };
  activeSheet: FakeSheet | undefined;
  activeRanges: FakeRange[] = [];

  constructor(
    readonly id: string,
    readonly timeZone = 'Etc/UTC',
  ) {}

  getId(): string {
    return this.id;
  }
  getUrl(): string {
    return `https://docs.google.com/spreadsheets/d/${this.id}/edit`;
  }
  getSpreadsheetTimeZone(): string {
    return this.timeZone;
  }
  getSheetByName(name: string): FakeSheet | null {
    return this.sheets.find((s) => s.name === name) ?? null;
  }
  getSheets(): FakeSheet[] {
    return [...this.sheets];
  }
  insertSheet(name: string): FakeSheet {
    if (this.getSheetByName(name)) throw new Error(`A sheet with the name "${name}" already exists.`);
    const sheet = new FakeSheet(this, name);
    this.sheets.push(sheet);
    return sheet;
  }
  toast(message: string): void {
    this.toasts.push(String(message));
  }
  getActiveRangeList(): { getRanges(): FakeRange[] } | null {
    return this.activeRanges.length > 0 ? { getRanges: () => [...this.activeRanges] } : null;
  }
  getActiveRange(): FakeRange | null {
    return this.activeRanges[0] ?? null;
  }
  /** Test helper: select whole rows (1-based) of a sheet. */
  selectRows(sheet: FakeSheet, rows: number[]): void {
    this.activeRanges = rows.map((r) => new FakeRange(sheet, r, 1, 1, Math.max(1, sheet.getLastColumn())));
  }
}

function interpret(value: unknown, format: string): { value: Cell; formula?: string } {
  if (value === null || value === undefined) return { value: '' };
  if (typeof value === 'number' || typeof value === 'boolean') return { value };
  if (Object.prototype.toString.call(value) === '[object Date]')
    return { value: new Date((value as Date).getTime()) };
  const text = String(value);
  if (text.startsWith("'")) return { value: text.slice(1) };
  if (format === '@') return { value: text };
  if (text.startsWith('=')) return { value: '#NAME?', formula: text };
  if (/^[+-]?\d+(\.\d+)?$/.test(text.trim())) return { value: Number(text) };
  return { value: text };
}

export class FakeSheet {
  cells: Cell[][] = [];
  formulas = new Map<string, string>();
  notes: string[][] = [];
  backgrounds: string[][] = [];
  formats: string[][] = [];

  constructor(
    readonly spreadsheet: FakeSpreadsheet,
    readonly name: string,
  ) {}

  getName(): string {
    return this.name;
  }
  getParent(): FakeSpreadsheet {
    return this.spreadsheet;
  }
  getLastRow(): number {
    for (let r = this.cells.length; r > 0; r--) if (this.cells[r - 1]!.some((c) => c !== '')) return r;
    return 0;
  }
  getLastColumn(): number {
    let last = 0;
    for (const row of this.cells) for (let c = row.length; c > last; c--) if (row[c - 1] !== '') last = c;
    return last;
  }
  getRange(row: number, column: number, numRows = 1, numColumns = 1): FakeRange {
    for (const [name, v] of [
      ['row', row],
      ['column', column],
      ['number of rows', numRows],
      ['number of columns', numColumns],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`The ${name} must be at least 1 (got ${v}).`);
    }
    return new FakeRange(this, row, column, numRows, numColumns);
  }
  activate(): FakeSheet {
    this.spreadsheet.activeSheet = this;
    return this;
  }
  setActiveRange(range: FakeRange): FakeRange {
    this.spreadsheet.activeRanges = [range];
    return range;
  }
  clearContents(): FakeSheet {
    this.cells = [];
    this.formulas.clear();
    return this;
  }

  /** Grid helpers for tests and the play command (no range calls counted). */
  load(grid: Cell[][]): void {
    this.cells = grid.map((r) => r.map((c) => interpret(c, '').value));
  }
  ensure(rows: number, cols: number): void {
    while (this.cells.length < rows) this.cells.push([]);
    for (const grid of [this.cells, this.notes, this.backgrounds, this.formats] as Array<unknown[][]>) {
      while (grid.length < rows) grid.push([]);
      for (const row of grid) while (row.length < cols) row.push('');
    }
  }
  values(): Cell[][] {
    const rows = this.getLastRow();
    const cols = this.getLastColumn();
    return this.cells.slice(0, rows).map((r) => Array.from({ length: cols }, (_, i) => r[i] ?? ''));
  }
  /** Reorders data rows (keeps row 1), as a person sorting the table would. Notes, colours move along. */
  sortDataRows(compare: (a: Cell[], b: Cell[]) => number): void {
    const rows = this.getLastRow();
    const cols = Math.max(this.getLastColumn(), 1);
    this.ensure(rows, cols);
    const order = Array.from({ length: rows - 1 }, (_, i) => i + 1).sort((a, b) =>
      compare(this.cells[a]!, this.cells[b]!),
    );
    for (const grid of [this.cells, this.notes, this.backgrounds, this.formats] as Array<unknown[][]>) {
      const moved = order.map((i) => grid[i]!);
      grid.splice(1, moved.length, ...moved);
    }
  }
  /** Inserts an empty row before `row` (1-based), as a person would. */
  insertRowBefore(row: number): void {
    for (const grid of [this.cells, this.notes, this.backgrounds, this.formats] as Array<unknown[][]>) {
      grid.splice(row - 1, 0, []);
    }
    this.ensure(this.cells.length, Math.max(this.getLastColumn(), 1));
  }
}

export class FakeRange {
  constructor(
    readonly sheet: FakeSheet,
    readonly row: number,
    readonly column: number,
    readonly numRows: number,
    readonly numColumns: number,
  ) {}

  getRow(): number {
    return this.row;
  }
  getColumn(): number {
    return this.column;
  }
  getNumRows(): number {
    return this.numRows;
  }
  getNumColumns(): number {
    return this.numColumns;
  }
  getLastRow(): number {
    return this.row + this.numRows - 1;
  }
  getSheet(): FakeSheet {
    return this.sheet;
  }

  private grid<T>(source: T[][], blank: T, copy: (v: T) => T = (v) => v): T[][] {
    this.sheet.spreadsheet.stats.reads++;
    this.sheet.ensure(this.row + this.numRows - 1, this.column + this.numColumns - 1);
    return Array.from({ length: this.numRows }, (_, r) =>
      Array.from({ length: this.numColumns }, (_, c) =>
        copy(source[this.row - 1 + r]?.[this.column - 1 + c] ?? blank),
      ),
    );
  }
  private checkShape(values: unknown[][], what: string): void {
    if (
      !Array.isArray(values) ||
      values.length !== this.numRows ||
      values.some((r) => !Array.isArray(r) || r.length !== this.numColumns)
    ) {
      throw new Error(
        `The number of rows or columns in the ${what} does not match the range: expected ${this.numRows}x${this.numColumns}.`,
      );
    }
    this.sheet.spreadsheet.stats.writes++;
    this.sheet.ensure(this.row + this.numRows - 1, this.column + this.numColumns - 1);
  }

  getValues(): Cell[][] {
    return this.grid(this.sheet.cells, '', (v) => (v instanceof Date ? new Date(v.getTime()) : v));
  }
  getDisplayValues(): string[][] {
    return this.getValues().map((r) =>
      r.map((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v))),
    );
  }
  setValues(values: unknown[][]): FakeRange {
    this.checkShape(values, 'data');
    for (const [i, r] of values.entries()) {
      for (const [j, v] of r.entries()) {
        const row = this.row - 1 + i;
        const col = this.column - 1 + j;
        const cell = interpret(v, this.sheet.formats[row]![col] ?? '');
        this.sheet.cells[row]![col] = cell.value;
        const key = `${row},${col}`;
        if (cell.formula) this.sheet.formulas.set(key, cell.formula);
        else this.sheet.formulas.delete(key);
      }
    }
    return this;
  }
  private put(grid: string[][], values: string[][]): void {
    for (const [i, r] of values.entries()) {
      for (const [j, v] of r.entries()) grid[this.row - 1 + i]![this.column - 1 + j] = String(v ?? '');
    }
  }
  setValue(value: unknown): FakeRange {
    return this.getRange1().setValues([[value]]);
  }
  private getRange1(): FakeRange {
    return new FakeRange(this.sheet, this.row, this.column, 1, 1);
  }
  getFormulas(): string[][] {
    this.sheet.spreadsheet.stats.reads++;
    return Array.from({ length: this.numRows }, (_, r) =>
      Array.from(
        { length: this.numColumns },
        (_, c) => this.sheet.formulas.get(`${this.row - 1 + r},${this.column - 1 + c}`) ?? '',
      ),
    );
  }
  getNotes(): string[][] {
    return this.grid(this.sheet.notes, '');
  }
  setNotes(notes: string[][]): FakeRange {
    this.checkShape(notes, 'notes');
    this.put(this.sheet.notes, notes);
    return this;
  }
  getBackgrounds(): string[][] {
    return this.grid(this.sheet.backgrounds, '').map((r) => r.map((v) => v || '#ffffff'));
  }
  setBackgrounds(colours: string[][]): FakeRange {
    this.checkShape(colours, 'colours');
    this.put(this.sheet.backgrounds, colours);
    return this;
  }
  setNumberFormat(format: string): FakeRange {
    this.sheet.spreadsheet.stats.writes++;
    this.sheet.ensure(this.row + this.numRows - 1, this.column + this.numColumns - 1);
    for (let r = 0; r < this.numRows; r++)
      for (let c = 0; c < this.numColumns; c++)
        this.sheet.formats[this.row - 1 + r]![this.column - 1 + c] = format;
    return this;
  }
}
