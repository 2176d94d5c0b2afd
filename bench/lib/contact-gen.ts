// Realistic, varied and reproducible contacts for the benchmarks. Everything is a pure function of
// (seed, chunk index, now), so the data is the same whatever the number of generator threads. Dates are
// relative to `now` (the trash is recent, so the 30-day purge does not empty it during a benchmark).
//
// What the data looks like (it decides what the search benchmark measures):
// - surnames per locale follow a Zipf-like law over a real frequency-ordered head ("Smith" is about 2.5% of
//   the US contacts, ~1% of a team) and a long tail of synthesised rare surnames (a few rows each);
// - companies are shared (Zipf over a pool of 20,000, so a big customer has thousands of contacts) and
//   primary emails are at the company's domain; personal-provider addresses as secondary emails;
// - Korean, Japanese, Chinese, Cyrillic and Greek names, Turkish İ/ı, German ß/umlauts, French and Spanish
//   accents; phones in many formats (national and international, dots, dashes, brackets, extensions);
// - ~5% inactive, ~30% verified for the portal, ~0.5% in the trash, creation dates over three years.
import {
  fakerDE,
  fakerEL,
  fakerEN_US,
  fakerES,
  fakerFR,
  fakerJA,
  fakerKO,
  fakerRU,
  fakerTR,
  fakerZH_CN,
  type Faker,
} from '@faker-js/faker';
import type { ContactInput } from '#shared/contact.schema.ts';

/** Small fast PRNG (sfc32); faker is used for the parts where its locale data adds realism. */
export function prng(seed: number) {
  let a = 0x9e3779b9 ^ seed,
    b = 0x243f6a88 + seed * 7,
    c = 0xb7e15162 ^ (seed >>> 3),
    d = 1;
  const next = () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}
export type Rand = ReturnType<typeof prng>;

const int = (r: Rand, min: number, max: number) => min + Math.floor(r() * (max - min + 1));
const pick = <T>(r: Rand, a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
const chance = (r: Rand, p: number) => r() < p;
const digits = (r: Rand, n: number) => {
  let s = '';
  for (let i = 0; i < n; i++) s += String(Math.floor(r() * 10));
  return s;
};

/** Zipf–Mandelbrot over a ranked list: P(rank k) ∝ 1 / (k + q)^s. */
export function zipf<T>(items: readonly T[], s: number, q: number) {
  const cum = new Float64Array(items.length);
  let total = 0;
  for (let k = 0; k < items.length; k++) cum[k] = total += 1 / Math.pow(k + 1 + q, s);
  return {
    items,
    probability: (k: number) => (cum[k]! - (k ? cum[k - 1]! : 0)) / total,
    sample(r: Rand): T {
      const x = r() * total;
      let lo = 0,
        hi = items.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid]! < x) lo = mid + 1;
        else hi = mid;
      }
      return items[lo]!;
    },
  };
}

/** Lower-case ASCII for email local parts ("Çelik" → "celik", "Weiß" → "weiss"). */
export function ascii(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ı/g, 'i')
    .replace(/ß/g, 'ss')
    .replace(/[øØ]/g, 'o')
    .replace(/[łŁ]/g, 'l')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

const CYRILLIC: Record<string, string> = Object.fromEntries(
  'а:a б:b в:v г:g д:d е:e ё:e ж:zh з:z и:i й:y к:k л:l м:m н:n о:o п:p р:r с:s т:t у:u ф:f х:kh ц:ts ч:ch ш:sh щ:shch ъ: ы:y ь: э:e ю:yu я:ya'
    .split(' ')
    .map((p) => p.split(':') as [string, string]),
);
const GREEK: Record<string, string> = Object.fromEntries(
  'α:a β:v γ:g δ:d ε:e ζ:z η:i θ:th ι:i κ:k λ:l μ:m ν:n ξ:x ο:o π:p ρ:r σ:s ς:s τ:t υ:y φ:f χ:ch ψ:ps ω:o'
    .split(' ')
    .map((p) => p.split(':') as [string, string]),
);
function transliterate(s: string, table: Record<string, string>): string {
  const base = s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  let out = '';
  for (const ch of base) out += table[ch] ?? (/[a-z0-9]/.test(ch) ? ch : '');
  return out;
}

// Real frequency-ordered heads; the rest of faker's list follows in a seeded shuffled order.
const HEADS: Record<string, string[]> = {
  en: 'Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts'.split(
    ' ',
  ),
  de: 'Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange Schmitt Werner Schmitz Krause Meier Lehmann Schmid Schulze Maier Köhler Herrmann König Walter Mayer Huber Kaiser Fuchs Peters Lang Scholz Möller Weiß Jung Hahn Schubert Vogel Friedrich Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann Franke Albrecht Schuster Simon Ludwig Böhm Winter Kraus Martin Schumacher Krämer Vogt Stein Jäger Otto Sommer Groß Seidel Heinrich Brandt Haas Schreiber Graf Schulte Dietrich Ziegler Kuhn Kühn Pohl Engel Horn Busch Bergmann Strauß'.split(
    ' ',
  ),
  fr: 'Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Lefèvre Mercier Dupont Lambert Bonnet François Martinez Legrand Garnier Faure Rousseau Blanc Guérin Muller Henry Roussel Nicolas Perrin Morin Mathieu Clément Gauthier Dumont Lopez Fontaine Chevalier Robin'.split(
    ' ',
  ),
  es: 'García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín Jiménez Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Alonso Gutiérrez Navarro Torres Domínguez Vázquez Ramos Gil Ramírez Serrano Blanco Molina Morales Suárez Ortega Delgado Castro Ortiz Rubio Marín Sanz Núñez Iglesias Medina Garrido Cortés Castillo Santos Lozano Guerrero Cano Prieto'.split(
    ' ',
  ),
  tr: 'Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç Aslan Çetin Kara Koç Kurt Özkan Şimşek Polat Korkmaz Özer Erdoğan Güneş Aksoy Ateş Işık Bulut Akın İnce Acar Keskin Aktaş Uçar Tekin Sarı Bozkurt Özgür Ünal'.split(
    ' ',
  ),
  ko: '김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황 안 송 류 전 홍 고 문 양 손 배 백 허 유 남 심 노 하 곽 성 차 주 우 구 나 민 진 지 엄 채 원 천 방 공 현 함 변 염 여 추 도 소 석 선 설 마 길 연 위 표 명 기 반 라 왕 금 옥 육 인 맹 제 모 탁 국 어 은 편 용 예 경 봉 사 부 황보 남궁 제갈 선우 독고'.split(
    ' ',
  ),
  ja: '佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 林 斎藤 清水 山崎 森 池田 橋本 阿部 石川 山下 中島 石井 小川 前田 岡田 長谷川 藤田 後藤 近藤 村上 遠藤 青木'.split(
    ' ',
  ),
  zh: '王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 彭 曾 肖 田 董 袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 欧阳 司马'.split(
    ' ',
  ),
  ru: 'Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин Захаров'.split(
    ' ',
  ),
  el: 'Παπαδόπουλος Παπαδοπούλου Γεωργίου Οικονόμου Νικολάου Παπανικολάου Ιωάννου Βασιλείου Αθανασίου Δημητρίου Κωνσταντίνου Παπαδάκης Μακρής Αντωνίου Χριστοδούλου Παππάς Καραγιάννης Αλεξίου Ευαγγέλου Σταυρόπουλος'.split(
    ' ',
  ),
};
// romanised family names for email local parts
const ROMAN: Record<string, Record<string, string>> = {
  ko: {
    김: 'kim',
    이: 'lee',
    박: 'park',
    최: 'choi',
    정: 'jung',
    강: 'kang',
    조: 'cho',
    윤: 'yoon',
    장: 'jang',
    임: 'lim',
    한: 'han',
    오: 'oh',
    서: 'seo',
    신: 'shin',
    권: 'kwon',
    황: 'hwang',
    안: 'ahn',
    송: 'song',
    류: 'ryu',
    전: 'jeon',
  },
  ja: {
    佐藤: 'sato',
    鈴木: 'suzuki',
    高橋: 'takahashi',
    田中: 'tanaka',
    伊藤: 'ito',
    渡辺: 'watanabe',
    山本: 'yamamoto',
    中村: 'nakamura',
    小林: 'kobayashi',
    加藤: 'kato',
    吉田: 'yoshida',
    山田: 'yamada',
  },
  zh: {
    王: 'wang',
    李: 'li',
    张: 'zhang',
    刘: 'liu',
    陈: 'chen',
    杨: 'yang',
    黄: 'huang',
    赵: 'zhao',
    吴: 'wu',
    周: 'zhou',
    徐: 'xu',
    孙: 'sun',
  },
};

interface LocaleSpec {
  key: keyof typeof HEADS;
  faker: Faker;
  weight: number;
  country: string;
  tld: string;
  providers: string[];
  zipf: { s: number; q: number };
  /** share of rows with a synthesised rare surname (Latin-script locales) */
  rare: number;
  phone: (r: Rand) => string;
}

/** A phone number in one of these formats, picked at random; the chosen one draws its digits after the pick. */
const anyOf =
  (...formats: ((r: Rand) => string)[]) =>
  (r: Rand) =>
    pick(r, formats)(r);
const frPairs = (r: Rand) => `${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)}`;

const usPhone = (r: Rand) => {
  const a = String(int(r, 201, 989)),
    b = String(int(r, 200, 999)),
    c = digits(r, 4);
  const f = int(r, 0, 9);
  if (f === 0) return `+1 (${a}) ${b}-${c}`;
  if (f === 1) return `${a}.${b}.${c}`;
  if (f === 2) return `(${a}) ${b}-${c}`;
  if (f === 3) return `${a}-${b}-${c}`;
  if (f === 4) return `+1${a}${b}${c}`;
  if (f === 5) return `+1 ${a} ${b} ${c}`;
  if (f === 6) return `${a}-${b}-${c} x${int(r, 10, 999)}`;
  if (f === 7) return `1-${a}-${b}-${c}`;
  return `+1 ${a}-${b}-${c}`;
};
const LOCALES: LocaleSpec[] = [
  {
    key: 'en',
    faker: fakerEN_US,
    weight: 38,
    country: 'United States',
    tld: 'com',
    providers: ['gmail.com', 'outlook.com', 'yahoo.com', 'icloud.com', 'proton.me', 'hotmail.com', 'aol.com'],
    zipf: { s: 1.05, q: 12 },
    rare: 0.12,
    phone: usPhone,
  },
  {
    key: 'de',
    faker: fakerDE,
    weight: 10,
    country: 'Deutschland',
    tld: 'de',
    providers: ['gmx.de', 'web.de', 't-online.de', 'gmail.com'],
    zipf: { s: 1.0, q: 8 },
    rare: 0.12,
    phone: anyOf(
      (r) => `+49 30 ${digits(r, 7)}`,
      (r) => `+49 (0)89 ${digits(r, 8)}`,
      (r) => `+49 15${int(r, 1, 9)} ${digits(r, 8)}`,
      (r) => `030 ${digits(r, 7)}`,
      (r) => `+49-40-${digits(r, 3)}-${digits(r, 4)}`,
    ),
  },
  {
    key: 'fr',
    faker: fakerFR,
    weight: 8,
    country: 'France',
    tld: 'fr',
    providers: ['orange.fr', 'free.fr', 'laposte.net', 'gmail.com', 'hotmail.fr'],
    zipf: { s: 1.0, q: 6 },
    rare: 0.1,
    phone: anyOf(
      (r) => `+33 1 ${frPairs(r)}`,
      (r) => `+33 6 ${frPairs(r)}`,
      (r) => `01 ${frPairs(r)}`,
      (r) => `+33 (0)7 ${frPairs(r)}`,
    ),
  },
  {
    key: 'es',
    faker: fakerES,
    weight: 7,
    country: 'España',
    tld: 'es',
    providers: ['gmail.com', 'hotmail.es', 'yahoo.es', 'telefonica.net'],
    zipf: { s: 1.0, q: 4 },
    rare: 0.06,
    phone: anyOf(
      (r) => `+34 6${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)}`,
      (r) => `+34 91 ${digits(r, 3)} ${digits(r, 2)} ${digits(r, 2)}`,
    ),
  },
  {
    key: 'tr',
    faker: fakerTR,
    weight: 7,
    country: 'Türkiye',
    tld: 'com.tr',
    providers: ['gmail.com', 'hotmail.com', 'yandex.com.tr'],
    zipf: { s: 1.0, q: 3 },
    rare: 0.06,
    phone: anyOf(
      (r) => `+90 212 ${digits(r, 3)} ${digits(r, 2)} ${digits(r, 2)}`,
      (r) => `+90 (53${int(r, 0, 9)}) ${digits(r, 3)} ${digits(r, 2)} ${digits(r, 2)}`,
      (r) => `0532 ${digits(r, 3)} ${digits(r, 2)} ${digits(r, 2)}`,
    ),
  },
  {
    key: 'ko',
    faker: fakerKO,
    weight: 10,
    country: '대한민국',
    tld: 'co.kr',
    providers: ['naver.com', 'daum.net', 'gmail.com', 'kakao.com'],
    zipf: { s: 1.3, q: 1 },
    rare: 0,
    phone: anyOf(
      (r) => `+82 10-${digits(r, 4)}-${digits(r, 4)}`,
      (r) => `010-${digits(r, 4)}-${digits(r, 4)}`,
      (r) => `+82 2-${digits(r, 3)}-${digits(r, 4)}`,
    ),
  },
  {
    key: 'ja',
    faker: fakerJA,
    weight: 6,
    country: '日本',
    tld: 'co.jp',
    providers: ['yahoo.co.jp', 'gmail.com', 'docomo.ne.jp'],
    zipf: { s: 1.0, q: 3 },
    rare: 0,
    phone: anyOf(
      (r) => `+81 3-${digits(r, 4)}-${digits(r, 4)}`,
      (r) => `+81 90-${digits(r, 4)}-${digits(r, 4)}`,
      (r) => `03-${digits(r, 4)}-${digits(r, 4)}`,
    ),
  },
  {
    key: 'zh',
    faker: fakerZH_CN,
    weight: 6,
    country: '中国',
    tld: 'cn',
    providers: ['qq.com', '163.com', 'gmail.com'],
    zipf: { s: 1.1, q: 2 },
    rare: 0,
    phone: anyOf(
      (r) => `+86 13${int(r, 0, 9)} ${digits(r, 4)} ${digits(r, 4)}`,
      (r) => `+86 10 ${digits(r, 4)} ${digits(r, 4)}`,
    ),
  },
  {
    key: 'ru',
    faker: fakerRU,
    weight: 4,
    country: 'Россия',
    tld: 'ru',
    providers: ['yandex.ru', 'mail.ru', 'gmail.com'],
    zipf: { s: 1.0, q: 4 },
    rare: 0,
    phone: anyOf(
      (r) => `+7 495 ${digits(r, 3)}-${digits(r, 2)}-${digits(r, 2)}`,
      (r) => `+7 (916) ${digits(r, 3)}-${digits(r, 2)}-${digits(r, 2)}`,
      (r) => `8 (495) ${digits(r, 3)}-${digits(r, 2)}-${digits(r, 2)}`,
    ),
  },
  {
    key: 'el',
    faker: fakerEL,
    weight: 4,
    country: 'Ελλάδα',
    tld: 'gr',
    providers: ['gmail.com', 'yahoo.gr', 'otenet.gr'],
    zipf: { s: 1.0, q: 4 },
    rare: 0,
    phone: anyOf(
      (r) => `+30 21 ${digits(r, 4)} ${digits(r, 4)}`,
      (r) => `+30 69${digits(r, 1)} ${digits(r, 3)} ${digits(r, 4)}`,
    ),
  },
];
const TOTAL_WEIGHT = LOCALES.reduce((s, l) => s + l.weight, 0);

const RARE_A = 'van der de la mac o vander della ben al ter st'.split(' ');
const RARE_B =
  'ald bran cor dre eth fal gar hel ist jor kel lun mor nev orn pel quin rav sel tor ulm vex wyn xan yor zel brom crid drav elm fen grim hask ivr jask korv lorn mesk nalt orv pask quor rask stev tyr'.split(
    ' ',
  );
const RARE_C = 'ington ley wick stein berg holm ford ridge worth ström mann sen ski ovic ard ez ini etti aux ville'.split(' ');

function shuffled<T>(a: readonly T[], r: Rand): T[] {
  const out = [...a];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
function uniq<T>(a: T[]): T[] {
  return [...new Set(a)];
}
function defList(x: unknown): string[] {
  if (Array.isArray(x)) return x as string[];
  if (x && typeof x === 'object') return Object.values(x as Record<string, string[]>).flat();
  return [];
}

export interface GeneratedContact {
  input: ContactInput;
  createdAt: Date;
  updatedAt: Date;
  portalVerifiedAt: Date | null;
  deletedAt: Date | null;
}

/**
 * The contact universe of one seed: locale tables, surname and company distributions. Built once per
 * thread; `chunk(index, teams)` then makes the rows of one chunk.
 */
export function createUniverse(seed: number, now: number) {
  const r0 = prng(seed);
  const locales = LOCALES.map((l) => {
    const p = l.faker.definitions.person as Record<string, unknown>;
    const head = HEADS[l.key]!;
    const all = uniq([...head, ...shuffled(defList(p.last_name), r0)]);
    const firstMale = defList((p.first_name as Record<string, string[]>)?.male ?? p.first_name);
    const firstFemale = defList((p.first_name as Record<string, string[]>)?.female ?? p.first_name);
    const lastFemale = l.key === 'ru' ? defList((p.last_name as Record<string, string[]>).female) : null;
    return {
      ...l,
      surnames: zipf(all, l.zipf.s, l.zipf.q),
      firstMale: firstMale.length ? firstMale : defList(p.first_name),
      firstFemale: firstFemale.length ? firstFemale : defList(p.first_name),
      lastFemale,
    };
  });

  // companies: a pool shared by every team, Zipf over it (a few very big customers, a long tail)
  fakerEN_US.seed(seed);
  const suffixes: Record<string, string[]> = {
    en: ['Inc', 'LLC', 'Group', 'Corp', 'Partners', 'Labs'],
    de: ['GmbH', 'AG', 'KG', 'GmbH & Co. KG'],
    fr: ['SARL', 'SA', 'SAS'],
    es: ['S.L.', 'S.A.'],
    tr: ['A.Ş.', 'Ltd. Şti.'],
    ko: ['주식회사', '(주)'],
    ja: ['株式会社', '有限会社'],
    zh: ['有限公司', '集团'],
    ru: ['ООО', 'АО'],
    el: ['Α.Ε.', 'Ε.Π.Ε.'],
  };
  const usedDomains = new Set<string>();
  const companies = Array.from({ length: 20_000 }, (_, i) => {
    const loc = locales[i % 5 === 0 ? 0 : Math.floor(r0() * locales.length)]!;
    const word = loc.surnames.items[Math.floor(r0() * Math.min(400, loc.surnames.items.length))]!;
    const kind = Math.floor(r0() * 4);
    const sfx = pick(r0, suffixes[loc.key]!);
    const romanWord =
      loc.key === 'ru'
        ? transliterate(word, CYRILLIC)
        : loc.key === 'el'
          ? transliterate(word, GREEK)
          : (ROMAN[loc.key]?.[word] ?? (/[a-z]/i.test(ascii(word)) ? ascii(word) : ascii(fakerEN_US.person.lastName())));
    let name: string;
    if (kind === 0) name = `${word} ${sfx}`;
    else if (kind === 1) name = `${word} & ${loc.surnames.items[Math.floor(r0() * Math.min(300, loc.surnames.items.length))]!} ${sfx}`;
    else if (kind === 2) name = fakerEN_US.company.name();
    else name = `${fakerEN_US.word.adjective()} ${fakerEN_US.word.noun()} ${sfx}`.replace(/^./, (c) => c.toUpperCase());
    let base = (kind >= 2 ? ascii(name.split(/\s+/).slice(0, 2).join('-')) : romanWord) || 'company';
    if (kind === 1) base += '-partners';
    let domain = `${base.slice(0, 24)}.${loc.tld}`;
    for (let k = 2; usedDomains.has(domain); k++) domain = `${base.slice(0, 24)}${k}.${loc.tld}`;
    usedDomains.add(domain);
    return { name, domain };
  });
  const companyDist = zipf(companies, 1.0, 50);

  const DEPARTMENTS = ['Sales', 'Support', 'Engineering', 'Finance', 'Legal', 'Operations', 'Marketing', 'IT', 'Procurement', 'HR'];

  function rareSurname(r: Rand): string {
    const core = pick(r, RARE_B) + pick(r, RARE_B) + pick(r, RARE_C);
    const name = core[0]!.toUpperCase() + core.slice(1);
    return chance(r, 0.15) ? `${pick(r, RARE_A)} ${name}`.replace(/^./, (c) => c.toUpperCase()) : name;
  }

  function romanised(loc: (typeof locales)[number], first: string, last: string, r: Rand): { first: string; last: string } {
    if (loc.key === 'ru') return { first: transliterate(first, CYRILLIC), last: transliterate(last, CYRILLIC) };
    if (loc.key === 'el') return { first: transliterate(first, GREEK), last: transliterate(last, GREEK) };
    if (loc.key === 'ko' || loc.key === 'ja' || loc.key === 'zh') {
      const l = ROMAN[loc.key]![last] ?? ascii(pick(r, HEADS.en!));
      return { first: ascii(pick(r, locales[0]!.firstFemale)), last: l };
    }
    return { first: ascii(first), last: ascii(last) };
  }

  /** One contact, without its primary email (made unique per team by `chunk`). */
  function contact(r: Rand): GeneratedContact & { emailBase: string | null; domain: string | null; workLabel: boolean } {
    let w = r() * TOTAL_WEIGHT;
    const loc = locales.find((l) => (w -= l.weight) < 0) ?? locales[0]!;
    const female = chance(r, 0.5);
    const firstName = pick(r, female ? loc.firstFemale : loc.firstMale);
    let lastName: string;
    if (chance(r, loc.rare)) lastName = rareSurname(r);
    else if (loc.key === 'ru' && female) {
      const m = loc.surnames.sample(r);
      lastName = m.endsWith('ов') || m.endsWith('ев') || m.endsWith('ин') ? `${m}а` : m;
    } else if (loc.key === 'es') lastName = `${loc.surnames.sample(r)} ${loc.surnames.sample(r)}`;
    else if (loc.key === 'en' && chance(r, 0.04)) lastName = `${loc.surnames.sample(r)}-${loc.surnames.sample(r)}`;
    else lastName = loc.surnames.sample(r);

    const noCompany = chance(r, 0.12);
    const company = noCompany ? null : companyDist.sample(r);
    const rn = romanised(loc, firstName, lastName, r);
    const pattern = int(r, 0, 9);
    let emailBase =
      pattern < 5
        ? `${rn.first}.${rn.last}`
        : pattern < 7
          ? `${rn.first.slice(0, 1)}${rn.last}`
          : pattern < 8
            ? `${rn.first}_${rn.last}`
            : pattern < 9
              ? `${rn.last}.${rn.first.slice(0, 1)}`
              : rn.first;
    emailBase = emailBase.replace(/^[._]+|[._]+$/g, '') || 'contact';
    const provider = pick(r, loc.providers);
    const personal = `${rn.first || 'me'}${chance(r, 0.6) ? String(int(r, 1, 99)) : ''}${chance(r, 0.5) ? `.${rn.last}` : ''}@${provider}`;

    const emails: Record<string, string> = {};
    let domain: string | null = company?.domain ?? provider;
    if (chance(r, 0.03) && !noCompany) {
      emailBase = '';
      domain = null;
    }
    if (company && chance(r, 0.45)) emails.personal = personal;
    if (company && chance(r, 0.06)) emails.billing = `billing@${company.domain}`;
    if (chance(r, 0.05)) emails['old work'] = `${rn.first}.${rn.last}@${companyDist.sample(r).domain}`.replace(/^\.|\.@/g, '@');

    const phones: Record<string, string> = {};
    if (chance(r, 0.8)) phones.mobile = loc.phone(r);
    if (chance(r, 0.45)) phones.work = chance(r, 0.85) ? loc.phone(r) : usPhone(r);
    if (chance(r, 0.08)) phones.home = loc.phone(r);

    const created = now - Math.floor(r() * 3 * 365 * 86400_000);
    const updated = chance(r, 0.4) ? created + Math.floor(r() * (now - created)) : created;
    const f = loc.faker;
    const input: ContactInput = {
      firstName: chance(r, 0.01) ? null : firstName,
      lastName: chance(r, 0.02) ? null : lastName,
      company: company?.name ?? null,
      jobTitle: chance(r, 0.7) ? fakerEN_US.person.jobTitle() : null,
      division: chance(r, 0.5) ? pick(r, DEPARTMENTS) : null,
      notes: chance(r, 0.15) ? fakerEN_US.lorem.sentence() : null,
      primaryEmail: null,
      emails,
      phones,
      address: chance(r, 0.6)
        ? {
            line1: f.location.streetAddress(),
            line2: chance(r, 0.1) ? `Suite ${int(r, 100, 999)}` : null,
            city: f.location.city(),
            state: loc.key === 'en' ? fakerEN_US.location.state({ abbreviated: true }) : null,
            postalCode: f.location.zipCode(),
            country: loc.country,
          }
        : null,
      notifications: { newTickets: true, ticketUpdates: chance(r, 0.8), newComments: true, formAssignments: chance(r, 0.7) },
      permissions: { active: !chance(r, 0.05), portalAccess: chance(r, 0.8), canPostComments: true, canCloseTickets: chance(r, 0.6) },
    };
    return {
      input,
      emailBase: emailBase || null,
      domain,
      workLabel: !noCompany && chance(r, 0.6),
      createdAt: new Date(created),
      updatedAt: new Date(updated),
      portalVerifiedAt: chance(r, 0.3) ? new Date(created + Math.floor(r() * (now - created))) : null,
      deletedAt: chance(r, 0.005) ? new Date(now - Math.floor(r() * 20 * 86400_000)) : null,
    };
  }

  return {
    locales,
    companies,
    /**
     * The contacts of one chunk. `seen` (per thread) makes primary emails unique per team: the n-th use of
     * an address gets a number, and with several threads the numbers are interleaved (n * threads + thread)
     * so two threads never produce the same address.
     */
    chunk(index: number, teamOf: ArrayLike<number>, seen: Map<string, number>, thread: number, threads: number) {
      const r = prng(seed * 1_000_003 + index);
      for (const l of LOCALES) l.faker.seed(seed * 7919 + index * 31 + l.weight);
      fakerEN_US.seed(seed * 104729 + index);
      const out: (GeneratedContact & { team: number })[] = [];
      for (let i = 0; i < teamOf.length; i++) {
        const team = teamOf[i]!;
        const c = contact(r);
        if (c.emailBase && c.domain) {
          const key = `${team}:${c.emailBase}@${c.domain}`;
          const n = seen.get(key) ?? 0;
          seen.set(key, n + 1);
          const k = n * threads + thread;
          c.input.primaryEmail = `${c.emailBase}${k === 0 ? '' : /\d$/.test(c.emailBase) ? `-${k}` : k}@${c.domain}`;
          if (c.workLabel) c.input.emails = { work: c.input.primaryEmail, ...c.input.emails };
        }
        out.push({ ...c, team });
      }
      return out;
    },
  };
}
export type Universe = ReturnType<typeof createUniverse>;
