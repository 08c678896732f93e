/**
 * Phone numbers as people type them in a contact sheet → E.164. Iranian numbers in every usual form
 * (`0912 123 4567`, `912-123-4567`, `+98 912 …`, `0098 …`, `98912…`, Persian or Arabic-Indic digits,
 * spaces, dashes, dots, brackets) and landlines with their area code (`021 8888 1234`). Numbers that
 * already carry another country's `+` or `00` prefix are kept as E.164.
 */
export type PhoneResult = { ok: true; e164: string } | { ok: false; problem: string };

const toAscii = (s: string) =>
  s.replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06f0)).replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660));

export function normalizePhone(input: unknown): PhoneResult {
  if (input === undefined || input === null || String(input).trim() === '') return { ok: false, problem: 'the phone number is empty' };
  const raw = toAscii(String(input)).trim().replace(/[\u200c\u200e\u200f\u202a-\u202e]/g, '');
  if (!/^[+\d\s\-().\/]+$/.test(raw)) return { ok: false, problem: 'a phone number has only digits, spaces, dashes and an optional leading +' };
  const plus = raw.startsWith('+');
  const digits = raw.replace(/\D/g, '');
  let national: string | null = null; // without the leading 0: 9121234567, 2188881234
  if (plus || digits.startsWith('00')) {
    const intl = plus ? digits : digits.slice(2);
    if (intl.startsWith('98')) national = intl.slice(2).replace(/^0/, '');
    else {
      if (intl.length < 8 || intl.length > 15) return { ok: false, problem: 'an international number has 8 to 15 digits' };
      return { ok: true, e164: `+${intl}` };
    }
  } else if (digits.startsWith('98') && digits.length === 12) national = digits.slice(2);
  else if (digits.startsWith('0') && digits.length === 11) national = digits.slice(1);
  else if (digits.length === 10 && !digits.startsWith('0')) national = digits;
  else return { ok: false, problem: `not an Iranian number (${digits.length} digits; expected 0912…, 912…, +98 912… or a landline with its area code)` };
  if (!/^[1-9]\d{9}$/.test(national)) return { ok: false, problem: 'an Iranian number has 10 digits after the 0 (or after +98)' };
  return { ok: true, e164: `+98${national}` };
}

/** The forms a PBX trunk may want: `{e164}` +98912…, `{national}` 0912…, `{digits}` 98912…. */
export function phoneForms(e164: string): { e164: string; national: string; digits: string } {
  const digits = e164.replace(/^\+/, '');
  const national = digits.startsWith('98') ? `0${digits.slice(2)}` : `00${digits}`;
  return { e164, national, digits };
}

export function fillPhoneTemplate(template: string, e164: string): string {
  const forms = phoneForms(e164);
  return template.replace(/\{(e164|national|digits)\}/g, (_m, k: keyof typeof forms) => forms[k]);
}
