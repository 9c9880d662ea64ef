// Property tests over the bundle reader and the manifest parser (fast-check): whatever the input, reading ends in a
// result or an InputError (exit 1), never another error (exit 70), and each refusal path refuses what it should.
// CI runs a fixed seed; a longer run: KVB_FUZZ_RUNS=2000 KVB_FUZZ_SEED=<any> node --test src/io/tar/bundle-reader.fuzz.test.ts

import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BundleInputError } from '../../bundle/problems.ts';
import { InputError } from '../../errors.ts';
import type { KubeObject } from '../../model/kube-object.ts';
import { namingProblems } from '../../model/names.ts';
import { parseManifests } from '../../model/parse-manifests.ts';
import { craftedEntries, packCrafted, type CraftedEntry } from '../../testing/hostile-bundle.ts';
import { openBundle } from './bundle-reader.ts';

const SEED = Number(process.env['KVB_FUZZ_SEED'] ?? 20_261_203);
const RUNS = Number(process.env['KVB_FUZZ_RUNS'] ?? 40);
const settings = { seed: SEED, numRuns: RUNS };

/** Reads a whole bundle: 'ok', or the InputError it was refused with; any other error fails the property. */
async function readAll(bytes: Buffer): Promise<'ok' | InputError> {
  try {
    const reader = await openBundle(Readable.from([bytes]), { source: 'fuzz.kvb' });
    try {
      await reader.metadata();
      await reader.finish();
    } finally {
      reader.close();
    }
    return 'ok';
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
}

function codeOf(result: 'ok' | InputError): string | undefined {
  return result instanceof BundleInputError ? result.problem.code : undefined;
}

const configMap = (name: string, data: Record<string, string> = { a: '1' }): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns1' }, data });
const BASE_OBJECTS = [configMap('a'), configMap('b'), configMap('c', { key: 'value-to-tamper' })];
const baseEntries = (): CraftedEntry[] => craftedEntries(BASE_OBJECTS);

describe('bundle reader properties', () => {
  it('the unmutated bundle reads', async () => {
    assert.equal(await readAll(await packCrafted(baseEntries())), 'ok');
    assert.equal(await readAll(await packCrafted(baseEntries(), { gzip: true })), 'ok');
  });

  it('any flipped bytes: a result or an InputError, never a crash', async () => {
    const bundle = await packCrafted(baseEntries(), { gzip: false });
    const gzipped = await packCrafted(baseEntries(), { gzip: true });
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), async (gzip, flips) => {
        const bytes = Buffer.from(gzip ? gzipped : bundle);
        for (const [at, value] of flips) bytes[at % bytes.length] = value;
        await readAll(bytes);
      }),
      settings,
    );
  });

  it('truncated anywhere: refused', async () => {
    const bundle = await packCrafted(baseEntries(), { gzip: true });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: bundle.length - 1 }), async (length) => {
        assert.ok((await readAll(bundle.subarray(0, length))) instanceof InputError);
      }),
      settings,
    );
  });

  it('an entry renamed to anything: refused (unsafe, unknown, out of order or mismatched path)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 4 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 120 }), async (index, name) => {
        const entries = baseEntries();
        const entry = entries[index] as CraftedEntry;
        fc.pre(name !== entry.name && !name.includes('\0'));
        entries[index] = { ...entry, name };
        assert.ok((await readAll(await packCrafted(entries))) instanceof InputError, name);
      }),
      settings,
    );
  });

  it('an object entry holding any other JSON: refused', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 4 }), fc.jsonValue({ maxDepth: 6 }), async (index, value) => {
        const entries = baseEntries();
        const entry = entries[index] as CraftedEntry;
        entries[index] = { ...entry, body: Buffer.from(`${JSON.stringify(value)}\n`) };
        const result = await readAll(await packCrafted(entries));
        assert.ok(result instanceof InputError);
        assert.ok(['bad-json', 'schema', 'object-path', 'bad-name'].includes(codeOf(result) ?? ''), `${codeOf(result)}: ${result.message}`);
      }),
      settings,
    );
  });

  it('objects with any names: read exactly when Kubernetes would accept the names, else refused naming the rule', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 70 }), fc.constantFrom('.', '..', 'a.b', 'A', 'a-', `x${'y'.repeat(253)}`), fc.stringMatching(/^[a-z0-9]([-a-z0-9.]{0,30}[a-z0-9])?$/)), async (name) => {
        const object = configMap(name);
        const result = await readAll(await packCrafted(craftedEntries([object])));
        if (namingProblems(object).length === 0) assert.equal(result, 'ok', name);
        else {
          assert.ok(result instanceof InputError, name);
          assert.ok(['bad-name', 'unsafe-path', 'bad-path', 'object-path'].includes(codeOf(result) ?? '') || /name/.test(result.message), `${codeOf(result)}: ${result.message}`);
        }
      }),
      settings,
    );
  });

  it('a tampered byte inside a value: refused by the trailer', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 'value-to-tamper'.length - 1 }), fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), async (at, letter) => {
        const entries = baseEntries();
        const index = entries.findIndex((entry) => entry.body.includes('value-to-tamper'));
        const target = entries[index] as CraftedEntry;
        const packed = await packCrafted(entries);
        const offset = packed.indexOf('value-to-tamper') + at;
        fc.pre(String.fromCharCode(packed[offset] ?? 0) !== letter);
        packed[offset] = letter.charCodeAt(0);
        // The tar header's checksum covers only the header: the trailer's sha256 catches it.
        const result = await readAll(packed);
        assert.ok(result instanceof InputError, target.name);
        assert.match(result.message, /sha256|digest/);
      }),
      settings,
    );
  });

  it('JSON deeper than the bound or with more values than the budget: refused as over a bound', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 129, max: 20_000 }), fc.constantFrom('[', '{"a":'), async (depth, open) => {
        const close = open === '[' ? ']' : '}';
        const entries = baseEntries();
        entries[2] = { ...(entries[2] as CraftedEntry), body: Buffer.from(`${open.repeat(depth)}1${close.repeat(depth)}`) };
        const result = await readAll(await packCrafted(entries));
        assert.equal(codeOf(result), 'over-bound');
      }),
      settings,
    );
  });

  it('entries in another order: refused', async () => {
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray([0, 1, 2, 3, 4], { minLength: 5, maxLength: 5 }), async (order) => {
        fc.pre(order.some((value, i) => value !== i));
        const entries = baseEntries();
        const result = await readAll(await packCrafted(order.map((i) => entries[i] as CraftedEntry)));
        assert.ok(result instanceof InputError);
      }),
      settings,
    );
  });
});

describe('manifest parser properties', () => {
  it('any text: objects or an InputError naming the source, never a crash', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), fc.json({ maxDepth: 8 }), fc.jsonValue({ maxDepth: 8 }).map((value) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: ${JSON.stringify(value)}\n`)), (text) => {
        try {
          parseManifests(text, 'fuzz.yaml');
        } catch (error) {
          assert.ok(error instanceof InputError, String(error));
          assert.match(error.message, /^fuzz\.yaml/);
        }
      }),
      settings,
    );
  });

  it('YAML anchors and aliases in any arrangement: bounded, or refused as over a bound', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 2, max: 12 }), (levels, fanout) => {
        // Each level aliases the previous one `fanout` times: fanout^levels values from a few hundred characters.
        const lines = ['a0: &a0 [1, 2, 3]'];
        for (let level = 1; level <= levels; level++) lines.push(`a${level}: &a${level} [${Array.from({ length: fanout }, () => `*a${level - 1}`).join(', ')}]`);
        const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n${lines.join('\n')}\n`;
        try {
          parseManifests(text, 'aliases.yaml');
        } catch (error) {
          assert.ok(error instanceof InputError, String(error));
          assert.match(error.message, /over a resource bound|alias/i);
        }
      }),
      settings,
    );
  });
});
