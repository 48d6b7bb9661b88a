/**
 * Chunking and embedding documents — the knowledge-base ingestion of seed 001.
 *
 * A document is split into chunks at sentence boundaries; each chunk is embedded and stored. The job
 * reports progress after every chunk, so a UI can show "chunk 3 of 8" live. In production the
 * embedding comes from a model API; here a deterministic feature-hashing embedding with a simulated
 * latency stands in, so the demo runs offline.
 */
import { defineTask } from 'fila';
import { z } from 'zod';

export const DocumentInput = z.object({
  documentId: z.string().min(1),
  content: z.string().min(1).max(200_000),
  chunkSize: z.number().int().min(50).max(4000).default(400),
});

export const DIMENSIONS = 16;

export const chunkDocument = defineTask({
  name: 'chunk-document',
  queue: 'documents',
  schema: DocumentInput,
  maxAttempts: 3,
  timeout: '5m',
  handler: async ({ documentId, content, chunkSize }, ctx) => {
    const chunks = splitIntoChunks(content, chunkSize);
    await ctx.log(`document ${documentId}: ${chunks.length} chunk(s) of up to ${chunkSize} characters`);
    const vectors: number[][] = [];
    for (const [i, chunk] of chunks.entries()) {
      vectors.push(await embed(chunk, ctx.signal));
      await ctx.progress(Math.round(((i + 1) / chunks.length) * 100), `chunk ${i + 1} of ${chunks.length}`);
    }
    return {
      documentId,
      chunks: chunks.length,
      characters: content.length,
      dimensions: DIMENSIONS,
      // A short fingerprint instead of the vectors themselves, which belong in a vector store.
      fingerprint: vectors.map((v) => v.indexOf(Math.max(...v)).toString(16)).join(''),
    };
  },
});

/**
 * Splits text into chunks of at most `size` characters: whole sentences where they fit, else whole
 * words, and only a word longer than a chunk is cut.
 */
export function splitIntoChunks(text: string, size: number): string[] {
  const sentences =
    text
      .replace(/\s+/g, ' ')
      .trim()
      .match(/[^.!?]+[.!?]*/g) ?? [];
  const chunks: string[] = [];
  let current = '';
  const add = (piece: string) => {
    if (current && current.length + 1 + piece.length > size) {
      chunks.push(current);
      current = '';
    }
    current = current ? `${current} ${piece}` : piece;
  };
  for (const sentence of sentences.map((s) => s.trim()).filter(Boolean)) {
    if (sentence.length <= size) {
      add(sentence);
      continue;
    }
    for (const word of sentence.split(' ')) {
      for (let i = 0; i < word.length; i += size) add(word.slice(i, i + size));
    }
  }
  if (current) chunks.push(current);
  return chunks;
}

/** A feature-hashing embedding, unit length, after a simulated 60–160 ms model call. */
async function embed(chunk: string, signal: AbortSignal): Promise<number[]> {
  const vector = new Array<number>(DIMENSIONS).fill(0);
  for (const word of chunk.toLowerCase().match(/\p{L}+/gu) ?? []) {
    let h = 2166136261;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16777619);
    vector[(h >>> 0) % DIMENSIONS]! += 1;
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, 60 + (chunk.length % 100));
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    });
  });
  const norm = Math.hypot(...vector) || 1;
  return vector.map((x) => x / norm);
}
