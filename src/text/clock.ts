/**
 * Reading the clock in a time zone through Intl, whatever the server's own zone. Building an
 * `Intl.DateTimeFormat` is the costly part (ICU loads the zone and the calendar); formatting with
 * one is cheap. So each locale, set of options and zone gets one formatter for the life of the
 * process: the call centre's zone and a campaign's are a handful.
 */
const formats = new Map<string, Intl.DateTimeFormat>();

export function zonedFormat(locale: string, options: Intl.DateTimeFormatOptions & { timeZone: string }): Intl.DateTimeFormat {
  const key = `${locale}\u0000${JSON.stringify(options)}`;
  let format = formats.get(key);
  if (!format) formats.set(key, (format = new Intl.DateTimeFormat(locale, options)));
  return format;
}
