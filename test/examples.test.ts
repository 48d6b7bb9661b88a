/**
 * The demo tasks of examples/ (seeds 000 and 001): their normalisers, and their behaviour on a real
 * worker — progress per chunk, a flaky upstream that succeeds on retry, bad data that fails for good.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeAddress, normalizeAppointment, normalizeDocuments } from '../examples/appointments.js';
import { demoJobs } from '../examples/demo.js';
import { chunkDocument, splitIntoChunks } from '../examples/documents.js';
import { createFila, PermanentError } from '../src/index.js';
import { waitForState } from '../src/testkit/index.js';

describe('appointment normalisation (seed 000)', () => {
  it('tidies free-text Brazilian addresses', () => {
    expect(normalizeAddress('R. das flores, 123 - apto 4, Vila Mariana, São Paulo/SP, 04101000')).toEqual({
      street: 'Rua das Flores',
      number: '123',
      complement: 'Apto 4',
      district: 'Vila Mariana',
      city: 'São Paulo',
      state: 'SP',
      postalCode: '04101-000',
    });
    expect(normalizeAddress('av. paulista, 1578, Bela Vista, são paulo - sp, 01310-200')).toMatchObject({
      street: 'Avenida Paulista',
      number: '1578',
      district: 'Bela Vista',
      city: 'São Paulo',
      state: 'SP',
      postalCode: '01310-200',
    });
    expect(normalizeAddress('Rua XV de Novembro, 50 (instável), Centro, Curitiba/PR, 80020-310').street).toBe(
      'Rua XV de Novembro',
    );
  });

  it('finds and checks CPF and RG; a CPF with wrong check digits is a permanent error', () => {
    expect(normalizeDocuments('CPF 529.982.247-25 RG 12.345.678-9')).toEqual({
      cpf: '52998224725',
      rg: '123456789',
    });
    expect(normalizeDocuments('sem documentos')).toEqual({ cpf: null, rg: null });
    expect(() => normalizeDocuments('CPF 123.456.789-00')).toThrow(PermanentError);
    expect(() => normalizeDocuments('CPF 111.111.111-11')).toThrow(/invalid CPF/);
  });

  it('splits documents into chunks at sentence ends (seed 001)', () => {
    const text = 'Uma frase curta. Outra frase, um pouco maior que a primeira! E uma terceira? Fim.';
    const chunks = splitIntoChunks(text, 40);
    expect(chunks.every((c) => c.length <= 40)).toBe(true);
    expect(chunks.join(' ').replace(/\s+/g, ' ')).toBe(text);
    expect(splitIntoChunks('x'.repeat(130), 50).map((c) => c.length)).toEqual([50, 50, 30]);
  });

  it('the demo jobs run on a worker: progress, a retry that succeeds, a permanent failure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fila-examples-'));
    const fila = createFila({
      store: `sqlite://${join(dir, 'fila.db')}`,
      tasks: [normalizeAppointment, chunkDocument],
    });
    const progress: string[] = [];
    const worker = fila.worker({
      tasks: [normalizeAppointment, chunkDocument],
      concurrency: 8,
      backoff: { type: 'fixed', delay: 10 },
      handleSignals: false,
    });
    worker.on('job:progress', (e) => void (e.message && progress.push(e.message)));
    await worker.start();
    const jobs = await fila.enqueueMany(demoJobs);
    const final = await Promise.all(
      jobs.map((j) => waitForState(fila, j.id, ['completed', 'failed'], 20_000)),
    );
    const byId = (appointmentId: string) =>
      final.find((j) => (j.payload as { appointmentId?: string }).appointmentId === appointmentId)!;
    expect(byId('apt-1001')).toMatchObject({
      state: 'completed',
      attempt: 1,
      result: { documents: { cpf: '52998224725' } },
    });
    expect(byId('apt-1003')).toMatchObject({
      state: 'completed',
      attempt: 2,
      errors: [{ message: expect.stringMatching(/flaky upstream/) }],
    });
    expect(byId('apt-1004')).toMatchObject({
      state: 'failed',
      attempt: 1,
      error: { name: 'PermanentError' },
    });
    const doc = final.find((j) => j.task === 'chunk-document')!;
    expect(doc).toMatchObject({
      state: 'completed',
      progress: { percent: 100 },
      result: { chunks: 4, dimensions: 16 },
    });
    expect(progress).toContain('chunk 1 of 4');
    expect(await fila.getLogs(doc.id)).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/4 chunk\(s\)/) }),
    ]);
    await fila.close({ grace: 0 });
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);
});
