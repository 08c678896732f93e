import { describe, expect, it } from 'vitest';
import { parseContacts } from '../src/campaigns/contacts.js';
import { parseCsv, parseUpload } from '../src/knowledge/parse.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('CSV reading (csv-parse underneath)', () => {
  it('gives each record the file line it starts on, counting newlines inside quotes', () => {
    const parsed = parseCsv('id,answer\n\n1,"خط اول\nخط دوم"\n2,"گفت ""سلام"""\r\n3,آخر');
    expect(parsed.error).toBeUndefined();
    expect(parsed.rows).toEqual([['id', 'answer'], [''], ['1', 'خط اول\nخط دوم'], ['2', 'گفت "سلام"'], ['3', 'آخر']]);
    expect(parsed.lines).toEqual([1, 2, 3, 5, 6]);
  });

  it('names the line an unclosed quote was opened on', () => {
    const parsed = parseCsv('id,answer\n1,ok\n2,"never closed\n3,x\n');
    expect(parsed.error).toBe('a quoted field opened on line 3 is never closed');
  });

  it('keeps rows of any length and a stray quote inside a field as text', () => {
    expect(parseCsv('a,b,c\n1\n1,2,3,4\n1,5"7 اینچ"').rows).toEqual([['a', 'b', 'c'], ['1'], ['1', '2', '3', '4'], ['1', '5"7 اینچ"']]);
  });

  it('reads an Excel FAQ sheet: BOM, semicolons, Persian headers with ZWNJ and Arabic ی/ک, rows by file line', () => {
    const sheet = '\ufeffشناسه;سوال;پاسخ;نمونه‌ها;فعال\r\nhours;ساعت كاري؟;"از ۸ تا ۱۶;\r\nشنبه تا چهارشنبه";ساعت کار|کی بازید;بله\r\n\r\nprice;قیمت؟;;;خیر\r\n';
    const parsed = parseUpload(utf8(sheet), { filename: 'faq.csv' });
    expect(parsed.format).toBe('csv');
    expect(parsed.problems).toEqual([]);
    expect(parsed.rowNumbers).toEqual([2, 5]);
    expect(parsed.rows[0]).toMatchObject({ id: 'hours', answer: 'از ۸ تا ۱۶;\r\nشنبه تا چهارشنبه', examples: ['ساعت کار', 'کی بازید'], enabled: true });
    expect(parsed.rows[1]).toMatchObject({ id: 'price', answer: '', enabled: false });
  });

  it('reports a broken file as a file problem and unknown columns by name', () => {
    expect(parseUpload(utf8('id,question,answer\n1,"q,a\n'), { filename: 'f.csv' }).problems[0]).toEqual({
      field: '(file)',
      message: 'a quoted field opened on line 2 is never closed',
    });
    const odd = parseUpload(utf8('id,question,answer,رنگ\n1,q,a,آبی\n'), { filename: 'f.csv' });
    expect(odd.problems).toEqual([{ field: '(header)', message: 'unknown column(s): رنگ' }]);
  });

  it('campaign contacts go through the same reader: tab-separated, quoted names, bad rows by line', () => {
    const parsed = parseContacts(utf8('شماره\tنام\tمبلغ\n09121234567\t"رضا\tرضایی"\t۱۲۰۰۰\nنامعتبر\tعلی\t۵\n'));
    expect(parsed.fileProblem).toBeUndefined();
    expect(parsed.rows).toHaveLength(1);
    expect(parsed.rows[0]).toMatchObject({ name: 'رضا\tرضایی', line: 2 });
    expect(parsed.problems.map((p) => p.line)).toEqual([3]);
  });
});
