/**
 * Normalising imported appointments — the spreadsheet import of seed 000.
 *
 * Each imported row becomes one job, so the import itself answers at once and the slow work happens
 * in the background. The handler normalises the free-text address and the identity documents of one
 * appointment. In production each step would call an LLM; here a small deterministic normaliser
 * stands in, with a simulated latency, so the demo runs offline and behaves the same every time:
 *   - an address that mentions "instável" makes the first attempt fail (a flaky upstream); the
 *     retry succeeds;
 *   - a CPF with wrong check digits fails the job at once: retrying cannot fix bad data.
 */
import { defineTask, PermanentError } from 'fila';
import { z } from 'zod';

export const Appointment = z.object({
  appointmentId: z.string().min(1),
  address: z.string().max(500).optional(),
  documents: z.string().max(200).optional(),
});

export interface NormalizedAddress {
  street: string;
  number: string | null;
  complement: string | null;
  district: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
}

export interface NormalizedDocuments {
  cpf: string | null;
  rg: string | null;
}

export const normalizeAppointment = defineTask({
  name: 'normalize-appointment',
  queue: 'appointments',
  schema: Appointment,
  maxAttempts: 3,
  backoff: { type: 'exponential', delay: '1s' },
  timeout: '30s',
  handler: async (appointment, ctx) => {
    const fields: string[] = [];
    let address: NormalizedAddress | null = null;
    let documents: NormalizedDocuments | null = null;

    if (appointment.address) {
      await ctx.log(`normalising the address of appointment ${appointment.appointmentId}`);
      await upstreamCall(appointment.address, ctx.signal);
      if (appointment.address.includes('instável') && ctx.job.attempt === 1) {
        throw new Error('address service timed out (simulated flaky upstream)');
      }
      address = normalizeAddress(appointment.address);
      fields.push('address');
      await ctx.progress(50, 'address normalised');
    }

    if (appointment.documents) {
      await ctx.log(`normalising the documents of appointment ${appointment.appointmentId}`);
      await upstreamCall(appointment.documents, ctx.signal);
      documents = normalizeDocuments(appointment.documents);
      fields.push('documents');
      await ctx.progress(90, 'documents normalised');
    }

    return { appointmentId: appointment.appointmentId, fieldsNormalized: fields, address, documents };
  },
});

/** Simulated latency of a remote call: 150–450 ms, the same for the same input, aborted with the job. */
function upstreamCall(input: string, signal: AbortSignal): Promise<void> {
  const ms = 150 + (hash(input) % 300);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    });
  });
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

const STREET_TYPES: Record<string, string> = {
  'r.': 'Rua',
  r: 'Rua',
  'av.': 'Avenida',
  av: 'Avenida',
  'al.': 'Alameda',
  'trav.': 'Travessa',
  'tv.': 'Travessa',
  'pça.': 'Praça',
  'pç.': 'Praça',
  'estr.': 'Estrada',
  'rod.': 'Rodovia',
};
const LOWERCASE = new Set(['da', 'das', 'de', 'do', 'dos', 'e']);

/** "rua xv de novembro" → "Rua XV de Novembro". `continued`: the text follows other words. */
function titleCase(text: string, continued = false): string {
  return text
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .map((w, i) => {
      if ((i > 0 || continued) && LOWERCASE.has(w)) return w;
      if (/^x{0,3}(ix|iv|v?i{0,3})$/.test(w)) return w.toUpperCase();
      return w.charAt(0).toUpperCase() + w.slice(1);
    })
    .join(' ');
}

/** "R. das flores, 123 - apto 4, Vila Mariana, São Paulo/SP, 04101000" → its parts, tidied. */
export function normalizeAddress(raw: string): NormalizedAddress {
  let text = raw
    .replace(/\s+/g, ' ')
    .replace(/\(?instável\)?/gi, '')
    .trim();
  const cep = /(\d{5})-?(\d{3})/.exec(text);
  if (cep) text = text.replace(cep[0], '');
  const cityState = /([^,]+?)\s*[/-]\s*([A-Za-z]{2})\s*(,|$)/.exec(text);
  if (cityState) text = text.replace(cityState[0], ',');
  const parts = text
    .split(/,|\s-\s/)
    .map((p) => p.trim())
    .filter(Boolean);
  const [streetPart = '', ...rest] = parts;
  const [first = '', ...words] = streetPart.split(' ');
  const streetType = STREET_TYPES[first.toLowerCase()];
  const street = streetType ? `${streetType} ${titleCase(words.join(' '), true)}` : titleCase(streetPart);
  const numberAt = rest.findIndex((p) => /^(n[ºo°.]?\s*)?\d+[a-z]?$/i.test(p));
  const number = numberAt >= 0 ? rest.splice(numberAt, 1)[0]!.replace(/\D+/g, '') : null;
  const complementAt = rest.findIndex((p) => /^(apto|apartamento|ap|casa|bloco|sala|fundos)\b/i.test(p));
  const complement = complementAt >= 0 ? titleCase(rest.splice(complementAt, 1)[0]!) : null;
  return {
    street,
    number,
    complement,
    district: rest[0] ? titleCase(rest[0]) : null,
    city: cityState ? titleCase(cityState[1]!) : null,
    state: cityState ? cityState[2]!.toUpperCase() : null,
    postalCode: cep ? `${cep[1]}-${cep[2]}` : null,
  };
}

/** Finds a CPF (checked) and an RG in free text such as "CPF 529.982.247-25, RG 12.345.678-9". */
export function normalizeDocuments(raw: string): NormalizedDocuments {
  const cpfMatch = /\b(\d{3})\.?(\d{3})\.?(\d{3})-?(\d{2})\b/.exec(raw);
  const cpf = cpfMatch ? cpfMatch.slice(1).join('') : null;
  if (cpf && !validCpf(cpf))
    throw new PermanentError(`invalid CPF ${cpfMatch![0]}: check digits do not match`);
  const rgMatch = /\bRG\s*:?\s*([\d.]+-?[\dXx])\b/i.exec(raw);
  return { cpf, rg: rgMatch ? rgMatch[1]!.replace(/[.-]/g, '').toUpperCase() : null };
}

function validCpf(digits: string): boolean {
  if (/^(\d)\1{10}$/.test(digits)) return false;
  const check = (length: number) => {
    let sum = 0;
    for (let i = 0; i < length; i++) sum += Number(digits[i]) * (length + 1 - i);
    const rest = (sum * 10) % 11;
    return rest === 10 ? 0 : rest;
  };
  return check(9) === Number(digits[9]) && check(10) === Number(digits[10]);
}
