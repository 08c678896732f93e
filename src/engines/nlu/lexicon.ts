import { tokenizePersian } from '../../text/normalize.js';

/**
 * A small offline lexicon of Persian words that callers use for the same thing: formal and
 * colloquial registers («لغو», «کنسل», «فسخ»), loanwords and their Persian equivalents («پسورد»,
 * «رمز», «گذرواژه»), and the verb forms a request is made with («بخرم», «خریداری»). A FAQ
 * uploaded with its question only knows one of these words; a caller uses another. Each group is
 * one concept; the matcher adds the concept as one more word feature to every phrasing that holds
 * one of its words, and to an utterance for each of its words the knowledge base has never seen, so
 * «اشتراکمو کنسل کنید» meets «لغو سرویس» through the concept while the words themselves still count
 * on their own (a word the FAQs already use keeps its concept only where the concept leads to no
 * other FAQ: see TfidfMatcher.analyse).
 *
 * Written by hand for customer-service Persian in general (billing, accounts, orders, delivery,
 * appointments, complaints, opening hours, people to talk to), not for one business; a word goes
 * in a group only when callers use it in that sense almost always («بستن» is not "cancel": a shop
 * is closed, a package is a «بسته»). Entries are normalised like any utterance when loaded.
 */
const GROUPS: Record<string, readonly string[]> = {
  cancel: ['لغو', 'کنسل', 'فسخ', 'ابطال', 'انصراف', 'منصرف', 'کنسلش', 'لغوش', 'قطع‌دائم', 'غیرفعال', 'جمعش'],
  price: ['قیمت', 'هزینه', 'تعرفه', 'نرخ', 'بها', 'قیمتش', 'هزینه‌اش', 'مبلغ', 'ارزان', 'ارزون', 'گران', 'گرون', 'ارزونتر', 'ارزان‌تر', 'تخفیف'],
  pay: ['پرداخت', 'بپردازم', 'پرداختش', 'بدهی', 'بدهکاری', 'بدهیم', 'بدهکار', 'تسویه', 'واریز', 'بریزم', 'کارت‌به‌کارت', 'قسط', 'اقساط'],
  bill: ['قبض', 'صورتحساب', 'صورت‌حساب', 'فاکتور', 'قبضم', 'قبوض'],
  password: ['رمز', 'پسورد', 'پسوورد', 'گذرواژه', 'رمزعبور', 'پین', 'رمزش', 'پسوردش'],
  username: ['یوزرنیم', 'نام‌کاربری', 'یوزر'],
  address: ['آدرس', 'نشانی', 'لوکیشن', 'کجاست', 'آدرسش', 'دفتر', 'شعبه', 'نمایندگی', 'حضوری'],
  hours: ['ساعات', 'ساعت‌کاری', 'تعطیل', 'تعطیلی', 'باز', 'بازه', 'پنجشنبه', 'پنجشنبه‌ها', 'جمعه', 'جمعه‌ها', 'شیفت'],
  person: ['اپراتور', 'کارشناس', 'آدم', 'انسان', 'همکار', 'همکاران', 'همکارتان', 'پشتیبان', 'کارمند', 'مسئول', 'منشی', 'اپراتورتان', 'آدمیزاد', 'نفر'],
  talk: ['صحبت', 'حرف', 'گفتگو', 'گفت‌وگو', 'مکالمه', 'وصلم', 'ارجاع', 'متصل'],
  bot: ['ربات', 'روبات', 'دستگاه', 'ماشین', 'منشی‌تلفنی'],
  complaint: ['شکایت', 'اعتراض', 'ناراضی', 'نارضایتی', 'گلایه', 'شاکی', 'انتقاد', 'بی‌ادبی', 'بدرفتاری', 'برخورد', 'افتضاح'],
  slow: ['کند', 'کنده', 'آروم', 'آرام', 'آهسته', 'لاک‌پشتی', 'کندی', 'سرعت', 'پینگ', 'لگ', 'افت'],
  outage: ['قطع', 'قطعی', 'پریده', 'قطعه', 'وصل‌نمی‌شود', 'نمی‌آید', 'قطعیه', 'خاموش'],
  broken: ['خراب', 'خرابی', 'سوخته', 'سوخت', 'ایراد', 'اشکال', 'مشکل', 'معیوب', 'کار‌نمی‌کند'],
  buy: ['خرید', 'بخرم', 'بخریم', 'بخرید', 'خریداری', 'سفارش', 'تهیه', 'بگیرم', 'خریدم'],
  change: ['تغییر', 'عوض', 'اصلاح', 'ویرایش', 'تعویض', 'آپدیت', 'بروزرسانی', 'به‌روزرسانی', 'جایگزین', 'درستش'],
  transfer: ['انتقال', 'منتقل', 'واگذار', 'واگذاری', 'جابجا', 'جابه‌جا', 'جابجایی', 'جابه‌جایی', 'ببرم', 'بیارین', 'بیاورید'],
  move: ['اسباب‌کشی', 'اسبابکشی', 'اثاث‌کشی', 'اثاثکشی', 'نقل‌مکان'],
  refund: ['برگشت', 'برگرده', 'برگردد', 'برمی‌گردد', 'برمیگرده', 'عودت', 'استرداد', 'بازپرداخت', 'برگردانید', 'برمیگردونید', 'پس‌بدید'],
  status: ['پیگیری', 'وضعیت', 'رهگیری', 'نتیجه', 'پرونده', 'چی‌شد', 'چیشد', 'بررسی'],
  thanks: ['ممنون', 'ممنونم', 'مرسی', 'سپاس', 'سپاسگزارم', 'متشکرم', 'تشکر', 'قربونت', 'قربانت', 'خداحافظ', 'خدانگهدار', 'فعلا', 'روزخوش'],
  install: ['نصب', 'نصاب', 'تکنسین', 'راه‌اندازی', 'راه‌بیندازم', 'راهش', 'راش', 'سیم‌کشی'],
  when: ['کی', 'زمان', 'موقع', 'تاریخ', 'نوبت', 'وقت'],
  home: ['خانه', 'منزل', 'آپارتمان', 'خونه', 'واحد'],
  subscription: ['اشتراک', 'مشترک', 'اکانت', 'عضویت', 'ثبت‌نام', 'ثبتنام', 'پلن', 'طرح', 'سرویس'],
  coverage: ['پوشش', 'میرسه', 'می‌رسد', 'منطقه', 'محله', 'روستا', 'شهرک', 'خیابان', 'خیابون'],
  new: ['جدید', 'نو', 'تازه'],
  remaining: ['باقیمانده', 'باقی‌مانده', 'مانده', 'باقی', 'ته‌کشیده', 'تموم', 'تمام'],
  amount: ['حجم', 'ترافیک', 'گیگ', 'گیگابایت', 'مصرف', 'مصرفی'],
  renew: ['تمدید', 'شارژ', 'ادامه', 'تمدیدش'],
  phone: ['شماره', 'موبایل', 'همراه', 'تلفن', 'تماس'],
  name: ['اسم', 'نام', 'فامیلی', 'نام‌خانوادگی', 'مالکیت'],
  document: ['مدارک', 'مدرک', 'کارت‌ملی', 'شناسنامه', 'مدارکی'],
  delivery: ['ارسال', 'تحویل', 'پست', 'پیک', 'بفرستید', 'برسه', 'برسد', 'مرسوله', 'بسته‌ام'],
  warranty: ['گارانتی', 'ضمانت', 'وارانتی', 'خدمات‌پس‌از‌فروش'],
  account: ['پنل', 'حساب‌کاربری', 'پروفایل', 'اکانتم'],
  email: ['ایمیل', 'رایانامه', 'پست‌الکترونیک', 'جیمیل'],
  fast: ['سریع', 'پرسرعت', 'قوی‌تر', 'قوی', 'بیشتر', 'بالاتر'],
  wifi: ['وای‌فای', 'وایفای', 'بی‌سیم', 'وایرلس', 'شبکه'],
  router: ['مودم', 'روتر'],
  internet: ['اینترنت', 'نت', 'اینترنتی', 'اینترنتم', 'نتم'],
  alarm: ['زنگ', 'هشدار', 'آلارم', 'بیدار', 'بیدارم'],
  light: ['لامپ', 'چراغ', 'نور', 'روشنایی'],
  music: ['آهنگ', 'موسیقی', 'ترانه', 'موزیک', 'خواننده'],
  weather: ['هوا', 'آب‌وهوا', 'دما', 'باران', 'بارون', 'برف', 'سرد', 'گرم'],
  ticket: ['بلیت', 'بلیط', 'رزرو', 'پرواز', 'قطار'],
  food: ['غذا', 'سفارش‌غذا', 'رستوران', 'پیتزا'],
  meeting: ['جلسه', 'قرار', 'ملاقات', 'رویداد', 'تقویم'],
};

let index: Map<string, string> | null = null;

/** Token → concept, built on first use from the groups as the normaliser spells them. */
function conceptIndex(): Map<string, string> {
  if (index) return index;
  index = new Map();
  for (const [concept, words] of Object.entries(GROUPS)) {
    for (const w of words) {
      // As written (less ZWNJ) too: the normaliser respells some entries («پسوورد» → «پسورد») but
      // not the same word with an ending («پسووردم»), whose stem is then the entry as written.
      const written = w.replace(/\u200c/g, '');
      if (!index.has(written)) index.set(written, concept);
      const tokens = tokenizePersian(w);
      // Only one-word entries: a compound the normaliser splits stays out rather than mapping its parts.
      if (tokens.length === 1 && !index.has(tokens[0])) index.set(tokens[0], concept);
      const joined = tokens.join('');
      if (tokens.length > 1 && !index.has(joined)) index.set(joined, concept);
    }
  }
  return index;
}

/** The concept a (normalised) token or its stem stands for, if any. */
export function conceptOf(token: string, stems: readonly string[] = []): string | undefined {
  const idx = conceptIndex();
  const direct = idx.get(token);
  if (direct !== undefined) return direct;
  for (const s of stems) {
    const c = idx.get(s);
    if (c !== undefined) return c;
  }
  return undefined;
}
