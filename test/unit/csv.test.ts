import { MAX_CSV_ROWS, parseContactsCsv, type CsvRow } from '../../src/contacts/csv';
import { isRejection, normalizeContact } from '../../src/contacts/contact-input';
import type { ContactFields } from '../../src/contacts/contact-input';
import { domainErrorOf } from './support';

function fieldsOf(row: CsvRow | undefined): ContactFields {
  if (!row || !('fields' in row)) throw new Error(`expected a row with fields, got ${JSON.stringify(row)}`);
  return row.fields;
}

describe('parseContactsCsv: columns', () => {
  it('maps a full row to contact fields', () => {
    const rows = parseContactsCsv(
      'external_id,phone,email,first_name,last_name,timezone,tags,segment,consent\n' +
        'c-1,+351912345678,ana@example.com,Ana,Silva,Europe/Lisbon,vip;new,gold,yes\n',
    );
    expect(rows).toEqual([
      {
        line: 2,
        fields: {
          externalId: 'c-1',
          phone: '+351912345678',
          email: 'ana@example.com',
          firstName: 'Ana',
          lastName: 'Silva',
          timezone: 'Europe/Lisbon',
          tags: ['vip', 'new'],
          segment: 'gold',
          consent: true,
        },
      },
    ]);
  });

  it.each<[string, keyof ContactFields]>([
    ['external_id', 'externalId'],
    ['External ID', 'externalId'],
    ['externalId', 'externalId'],
    ['external-id', 'externalId'],
    ['ID', 'externalId'],
    ['phone', 'phone'],
    ['Phone Number', 'phone'],
    ['phone_number', 'phone'],
    ['MOBILE', 'phone'],
  ])('reads the identifier header %j as %s', (header, field) => {
    expect(fieldsOf(parseContactsCsv(`${header}\nv1\n`)[0])).toEqual({ [field]: 'v1' });
  });

  it.each<[string, keyof ContactFields]>([
    ['Email', 'email'],
    ['e-mail', 'email'],
    ['first_name', 'firstName'],
    ['First Name', 'firstName'],
    ['firstname', 'firstName'],
    ['last-name', 'lastName'],
    ['LastName', 'lastName'],
    ['timezone', 'timezone'],
    ['Time Zone', 'timezone'],
    ['tz', 'timezone'],
    ['Segment', 'segment'],
  ])('reads the header %j as %s', (header, field) => {
    expect(fieldsOf(parseContactsCsv(`id,${header}\nc-1,value\n`)[0])).toEqual({ externalId: 'c-1', [field]: 'value' });
  });

  it('turns unknown columns into attributes, keeping the header as written', () => {
    expect(fieldsOf(parseContactsCsv('phone,City,Loyalty Tier\n+12015550123,Lisbon,Gold\n')[0])).toEqual({
      phone: '+12015550123',
      attributes: { City: 'Lisbon', 'Loyalty Tier': 'Gold' },
    });
  });

  it('leaves out empty attribute cells', () => {
    expect(fieldsOf(parseContactsCsv('id,city,tier\nc-1,,Gold\n')[0]).attributes).toEqual({ tier: 'Gold' });
  });

  it('has no attributes key when every unknown cell is empty', () => {
    expect(fieldsOf(parseContactsCsv('id,city\nc-1,\n')[0])).toEqual({ externalId: 'c-1' });
  });

  it('leaves out empty known cells instead of setting them to an empty string', () => {
    expect(fieldsOf(parseContactsCsv('id,email,first_name,consent,tags\nc-1,,,,\n')[0])).toEqual({ externalId: 'c-1' });
  });

  it('trims cells', () => {
    expect(fieldsOf(parseContactsCsv('id,first_name\n  c-1 ,  Ana  \n')[0])).toEqual({ externalId: 'c-1', firstName: 'Ana' });
  });

  it('keeps the phone as written (normalisation is left to normalizeContact)', () => {
    expect(fieldsOf(parseContactsCsv('phone\n912 345 678\n')[0]).phone).toBe('912 345 678');
  });

  it('treats missing trailing cells as empty', () => {
    expect(fieldsOf(parseContactsCsv('id,first_name,city\nc-1\n')[0])).toEqual({ externalId: 'c-1' });
  });

  it('ignores cells beyond the header', () => {
    expect(fieldsOf(parseContactsCsv('id\nc-1,extra,more\n')[0])).toEqual({ externalId: 'c-1' });
  });

  it('reads quoted cells with commas and escaped quotes', () => {
    expect(fieldsOf(parseContactsCsv('id,note\nc-1,"Hello, ""friend"""\n')[0]).attributes).toEqual({ note: 'Hello, "friend"' });
  });

  it('strips a UTF-8 byte order mark before the header', () => {
    expect(fieldsOf(parseContactsCsv('\uFEFFphone,email\n+12015550123,a@b.co\n')[0])).toEqual({ phone: '+12015550123', email: 'a@b.co' });
  });

  it('reads CRLF line endings', () => {
    expect(parseContactsCsv('id,first_name\r\nc-1,Ana\r\nc-2,Rui\r\n').map(fieldsOf)).toEqual([
      { externalId: 'c-1', firstName: 'Ana' },
      { externalId: 'c-2', firstName: 'Rui' },
    ]);
  });

  it('reads a file without a trailing newline', () => {
    expect(parseContactsCsv('id\nc-1')).toEqual([{ line: 2, fields: { externalId: 'c-1' } }]);
  });

  it('returns no rows for a header-only file', () => {
    expect(parseContactsCsv('phone,email\n')).toEqual([]);
  });
});

describe('parseContactsCsv: tags', () => {
  it.each([
    ['semicolons', 'vip;new;gold'],
    ['pipes', 'vip|new|gold'],
    ['both', 'vip;new|gold'],
  ])('splits tags on %s', (_label, cell) => {
    expect(fieldsOf(parseContactsCsv(`id,tags\nc-1,${cell}\n`)[0]).tags).toEqual(['vip', 'new', 'gold']);
  });

  it('reads a single tag as a one-element list', () => {
    expect(fieldsOf(parseContactsCsv('id,tags\nc-1,vip\n')[0]).tags).toEqual(['vip']);
  });

  it('does not split tags on commas inside a quoted cell', () => {
    expect(fieldsOf(parseContactsCsv('id,tags\nc-1,"a,b;c"\n')[0]).tags).toEqual(['a,b', 'c']);
  });

  it('yields clean, de-duplicated tags once passed through normalizeContact', () => {
    const fields = fieldsOf(parseContactsCsv('id,tags\nc-1,vip; new ;;vip\n')[0]);
    const patch = normalizeContact(fields);
    expect(isRejection(patch) ? patch : patch.tags).toEqual(['vip', 'new']);
  });
});

describe('parseContactsCsv: consent', () => {
  it.each([['yes'], ['Yes'], ['YES'], ['y'], ['true'], ['TRUE'], ['1']])('reads %j as consent given', (cell) => {
    expect(fieldsOf(parseContactsCsv(`id,consent\nc-1,${cell}\n`)[0]).consent).toBe(true);
  });

  it.each([['no'], ['No'], ['n'], ['N'], ['false'], ['False'], ['0']])('reads %j as consent refused', (cell) => {
    expect(fieldsOf(parseContactsCsv(`id,consent\nc-1,${cell}\n`)[0]).consent).toBe(false);
  });

  it.each([['maybe'], ['2'], ['si'], ['on'], ['-1']])('rejects %j as INVALID_CONSENT', (cell) => {
    const [row] = parseContactsCsv(`id,consent\nc-1,${cell}\n`);
    expect(row).toEqual({ line: 2, rejection: { code: 'INVALID_CONSENT', message: expect.stringContaining(cell) } });
  });

  it('rejects only the row with bad consent', () => {
    const rows = parseContactsCsv('id,consent\nc-1,yes\nc-2,maybe\nc-3,no\n');
    expect(rows).toEqual([
      { line: 2, fields: { externalId: 'c-1', consent: true } },
      { line: 3, rejection: { code: 'INVALID_CONSENT', message: expect.any(String) } },
      { line: 4, fields: { externalId: 'c-3', consent: false } },
    ]);
  });
});

describe('parseContactsCsv: line numbers', () => {
  it('numbers rows from 2, the line after the header', () => {
    expect(parseContactsCsv('id\na\nb\nc\n').map((r) => r.line)).toEqual([2, 3, 4]);
  });
});

describe('parseContactsCsv: invalid files', () => {
  it.each([
    ['an empty file', ''],
    ['only blank lines', '\n\n\n'],
    ['no identifier column', 'name,city\nAna,Lisbon\n'],
    ['only attribute columns', 'first_name,email\nAna,a@b.co\n'],
    ['an unclosed quote', 'phone,note\n"+12015550123,hello\n'],
    ['text after a closing quote', 'phone,note\n"+1"x,hello\n'],
  ])('rejects %s with INVALID_CSV', (_label, csv) => {
    const error = domainErrorOf(() => parseContactsCsv(csv));
    expect([error.code, error.reason, error.field]).toEqual(['BAD_USER_INPUT', 'INVALID_CSV', 'csv']);
  });

  it('explains a missing identifier column', () => {
    expect(domainErrorOf(() => parseContactsCsv('name\nAna\n')).message).toMatch(/external_id or a phone/);
  });

  it(`accepts exactly ${MAX_CSV_ROWS} rows`, () => {
    expect(parseContactsCsv('id\n' + 'x\n'.repeat(MAX_CSV_ROWS))).toHaveLength(MAX_CSV_ROWS);
  });

  it(`rejects more than ${MAX_CSV_ROWS} rows with TOO_MANY_ROWS`, () => {
    const error = domainErrorOf(() => parseContactsCsv('id\n' + 'x\n'.repeat(MAX_CSV_ROWS + 1)));
    expect([error.code, error.reason, error.field]).toEqual(['BAD_USER_INPUT', 'TOO_MANY_ROWS', 'csv']);
  });
});

describe('parseContactsCsv: line numbers', () => {
  it.each([
    ['a blank line after the header', 'id\n\nc-1\n', [3]],
    ['a blank line before the header', '\nid\nc-1\n', [3]],
    ['a quoted cell spanning two lines', 'id,note\nc-1,"a\nb"\nc-2,x\n', [2, 4]],
  ])('reports the line a row starts on with %s', (_label, csv, lines) => {
    expect(parseContactsCsv(csv).map((r) => r.line)).toEqual(lines);
  });
});
