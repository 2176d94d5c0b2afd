// Realistic demo contacts: several locales (Korean, Turkish, accented European names), shared company
// domains, labeled emails and phones typed in different formats.
import { fakerDE, fakerEN_US, fakerES, fakerFR, fakerJA, fakerKO, fakerTR, type Faker } from '@faker-js/faker';
import type { ContactInput } from '#shared/contact.schema.ts';

const locales: { faker: Faker; weight: number; country: string; latin: boolean }[] = [
  { faker: fakerEN_US, weight: 40, country: 'United States', latin: true },
  { faker: fakerDE, weight: 12, country: 'Deutschland', latin: true },
  { faker: fakerFR, weight: 12, country: 'France', latin: true },
  { faker: fakerES, weight: 8, country: 'España', latin: true },
  { faker: fakerTR, weight: 10, country: 'Türkiye', latin: true },
  { faker: fakerKO, weight: 12, country: '대한민국', latin: false },
  { faker: fakerJA, weight: 6, country: '日本', latin: false },
];
const totalWeight = locales.reduce((s, l) => s + l.weight, 0);

function ascii(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ı/g, 'i')
    .replace(/ß/g, 'ss')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

export function createDemoGenerator(seed = 42) {
  for (const l of locales) l.faker.seed(seed);
  const en = fakerEN_US;
  const companies = Array.from({ length: 200 }, () => {
    const name = en.company.name();
    return { name, domain: `${ascii(name).slice(0, 20) || 'company'}.example.com` };
  });
  const used = new Set<string>();
  let n = 0;

  return function next(): ContactInput {
    n++;
    let r = en.number.int({ min: 0, max: totalWeight - 1 });
    const loc = locales.find((l) => (r -= l.weight) < 0) ?? locales[0]!;
    const f = loc.faker;
    const firstName = f.person.firstName();
    const lastName = f.person.lastName();
    const company = en.helpers.arrayElement(companies);
    const latinFirst = loc.latin ? ascii(firstName) : ascii(en.person.firstName());
    const latinLast = loc.latin ? ascii(lastName) : ascii(en.person.lastName());
    let local = `${latinFirst}.${latinLast}`.replace(/^\.|\.$/g, '') || `contact${n}`;
    if (used.has(`${local}@${company.domain}`)) local = `${local}${n}`;
    const primaryEmail = `${local}@${company.domain}`;
    used.add(primaryEmail);

    const emails: Record<string, string> = { work: primaryEmail };
    if (en.number.int(9) < 4)
      emails.personal = `${latinFirst}${en.number.int(99)}@${en.helpers.arrayElement(['gmail.com', 'outlook.com', 'yahoo.com', 'proton.me'])}`;
    if (en.number.int(9) < 1) emails.billing = `billing@${company.domain}`;
    const phones: Record<string, string> = {};
    const digits = () =>
      `${en.number.int({ min: 201, max: 989 })}${en.number.int({ min: 200, max: 999 })}${en.number.int({ min: 1000, max: 9999 })}`;
    const fmt = (d: string) =>
      en.helpers.arrayElement([
        `+1 (${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`,
        `${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`,
        `+1${d}`,
        `(${d.slice(0, 3)}) ${d.slice(3, 6)} ${d.slice(6)}`,
      ]);
    if (en.number.int(9) < 8) phones.mobile = fmt(digits());
    if (en.number.int(9) < 5) phones.work = fmt(digits());

    return {
      firstName,
      lastName,
      company: company.name,
      jobTitle: en.person.jobTitle(),
      division: en.commerce.department(),
      notes: en.number.int(9) < 2 ? en.lorem.sentence() : null,
      primaryEmail,
      emails,
      phones,
      address: {
        line1: f.location.streetAddress(),
        line2: en.number.int(9) < 2 ? `Suite ${en.number.int({ min: 100, max: 999 })}` : null,
        city: f.location.city(),
        state: loc.country === 'United States' ? en.location.state({ abbreviated: true }) : null,
        postalCode: f.location.zipCode(),
        country: loc.country,
      },
      notifications: { newTickets: true, ticketUpdates: en.number.int(9) < 8, newComments: true, formAssignments: en.number.int(9) < 7 },
      permissions: {
        active: en.number.int(19) > 0,
        portalAccess: en.number.int(9) < 8,
        canPostComments: true,
        canCloseTickets: en.number.int(9) < 6,
      },
    };
  };
}
