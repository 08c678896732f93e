import { describe, expect, it } from 'vitest';
import { BACKGROUND, TfidfMatcher } from '../src/engines/nlu/matcher.js';
import { SoftmaxRegression, concatRows, concatSupport, limitFanout, type SparseRow } from '../src/engines/nlu/softmax.js';

const row = (ids: number[], values: number[]): SparseRow => ({ ids: Int32Array.from(ids), values: Float32Array.from(values) });

describe('softmax regression over the matcher features', () => {
  // Feature 0 is shared by both classes; 1 belongs to class 0, 2 to class 1.
  const support = { start: Int32Array.from([0, 2, 3, 4]), index: Int32Array.from([0, 1, 0, 1]) };
  const rows = [row([0, 1], [0.6, 0.8]), row([0, 2], [0.6, 0.8]), row([1], [1]), row([2], [1])];
  const labels = Int32Array.from([0, 1, 0, 1]);

  it('learns that the shared word says nothing and the distinct ones decide', () => {
    const model = trainNow(rows, labels, support, 2);
    const p = new Float64Array(2);
    model.predict(row([0, 2], [0.6, 0.8]), p);
    expect(p[1]).toBeGreaterThan(0.9);
    expect(p[0] + p[1]).toBeCloseTo(1, 10);
    model.predict(row([0], [1]), p);
    expect(Math.abs(p[0] - p[1])).toBeLessThan(0.2);
  });

  it('trains to the same weights every time, so a retrain of the same knowledge answers the same', () => {
    const a = new Float64Array(2);
    const b = new Float64Array(2);
    trainNow(rows, labels, support, 2).predict(row([0, 1], [0.6, 0.8]), a);
    trainNow(rows, labels, support, 2).predict(row([0, 1], [0.6, 0.8]), b);
    expect([...a]).toEqual([...b]);
  });

  it('lays two feature spaces side by side', () => {
    const joined = concatSupport(support, { start: Int32Array.from([0, 1]), index: Int32Array.from([1]) });
    expect([...joined.start]).toEqual([0, 2, 3, 4, 5]);
    expect([...joined.index]).toEqual([0, 1, 0, 1, 1]);
    const r = concatRows(row([1], [0.5]), row([0], [0.25]), 3);
    expect([...r.ids]).toEqual([1, 3]);
    expect([...r.values]).toEqual([0.5, 0.25]);
  });

  it('leaves out of the regression the features too many classes share', () => {
    // Feature 0 in classes 0, 1, 2; feature 1 in class 2 only.
    const wide = { start: Int32Array.from([0, 3, 4]), index: Int32Array.from([0, 1, 2, 2]) };
    const limited = limitFanout(wide, 2);
    expect([...limited.start]).toEqual([0, 0, 1]);
    expect([...limited.index]).toEqual([2]);
    expect(limitFanout(wide, 3)).toEqual(wide);
  });

  it('gives every class a probability even when the utterance points to few of them', () => {
    const model = trainNow(rows, labels, { start: Int32Array.from([0, 0, 1, 2]), index: Int32Array.from([0, 1]) }, 3);
    const p = new Float64Array(3);
    model.predict(row([1], [1]), p);
    expect(p[0]).toBeGreaterThan(p[1]);
    expect(p[1]).toBeCloseTo(p[2], 12);
    expect(p[0] + p[1] + p[2]).toBeCloseTo(1, 10);
  });

  it('learns nothing from phrasings that have no feature left in the support, and is not skewed by them', () => {
    // Feature 3 was removed by limitFanout: class-0 phrasings made only of it teach nothing.
    const withEmpty = { start: Int32Array.from([0, 2, 3, 4, 4]), index: Int32Array.from([0, 1, 0, 1]) };
    const empties = Array.from({ length: 200 }, () => row([3], [1]));
    const model = trainNow([...rows, ...empties], Int32Array.from([...labels, ...empties.map(() => 0)]), withEmpty, 2);
    const p = new Float64Array(2);
    model.predict(row([0], [1]), p);
    expect(Math.abs(p[0] - p[1])).toBeLessThan(0.2);
    model.predict(row([0, 2], [0.6, 0.8]), p);
    expect(p[1]).toBeGreaterThan(0.9);
  });

  it('is less sure of a class whose phrasings count for less, so a crowd of them does not outvote a FAQ', () => {
    // The shared feature 0 is said by class 1 four times as often as by class 0.
    const crowd = [row([0, 1], [0.6, 0.8]), ...Array.from({ length: 4 }, () => row([0, 2], [0.6, 0.8]))];
    const crowdLabels = Int32Array.from([0, 1, 1, 1, 1]);
    const full = new Float64Array(2);
    const weighed = new Float64Array(2);
    trainNow(crowd, crowdLabels, support, 2).predict(row([0], [1]), full);
    trainNow(crowd, crowdLabels, support, 2, Float32Array.from([1, 0.25, 0.25, 0.25, 0.25])).predict(row([0], [1]), weighed);
    expect(full[1]).toBeGreaterThan(0.6);
    expect(weighed[1]).toBeLessThan(full[1] - 0.1);
  });

  it('lets the background claim a request that borrows one FAQ word', () => {
    const matcher = TfidfMatcher.train([
      { intent: 'wifi_password', text: 'رمز وای فای رو چطوری عوض کنم' },
      { intent: 'wifi_password', text: 'پسورد وای فای مودم یادم رفته' },
      { intent: 'price_list', text: 'قیمت سرویس های اینترنت چنده' },
      { intent: BACKGROUND, text: 'رمز کارت عابر بانکم رو عوض کنم' },
      { intent: BACKGROUND, text: 'رمز دوم کارت بانکی' },
      { intent: BACKGROUND, text: 'قیمت یخچال و تلویزیون چنده' },
    ]);
    const near = matcher.analyse('رمز کارت بانکیمو میخوام عوض کنم');
    expect(near.background!.softmax).toBeGreaterThan(near.ranked[0].softmax);
    const ours = matcher.analyse('رمز وای فایمو عوض کنم');
    expect(ours.ranked[0].intent).toBe('wifi_password');
    expect(ours.ranked[0].softmax).toBeGreaterThan(ours.background!.softmax);
  });
});

function trainNow(rows: SparseRow[], labels: Int32Array, support: { start: Int32Array; index: Int32Array }, n: number, rowWeight?: Float32Array): SoftmaxRegression {
  const gen = SoftmaxRegression.train(rows, labels, support, n, { epochs: 60, rowWeight });
  let step = gen.next();
  while (!step.done) step = gen.next();
  return step.value;
}
