import { freezeDsc } from '@otel-sentry/core';
import { describe, expect, it, vi } from 'vitest';
import { HEAD_DSC_MEMORY_SIZE, HeadDscMemory } from '../src/head-dsc-memory.js';

const dsc = (id: string) => freezeDsc({ trace_id: id });

describe('HeadDscMemory', () => {
  it('freezes one DSC per trace', () => {
    const memory = new HeadDscMemory();
    const create = vi.fn(() => dsc('a'));
    const first = memory.freeze('a', create);
    expect(memory.freeze('a', create)).toBe(first);
    expect(create).toHaveBeenCalledTimes(1);
    expect(memory.freeze('b', () => dsc('b'))).not.toBe(first);
  });

  it('is bounded, forgetting the least recently used trace first', () => {
    const memory = new HeadDscMemory(3);
    const a = memory.freeze('a', () => dsc('a'));
    memory.freeze('b', () => dsc('b'));
    memory.freeze('c', () => dsc('c'));
    expect(memory.freeze('a', () => dsc('a2'))).toBe(a); // a is now the most recent
    memory.freeze('d', () => dsc('d')); // b goes
    expect(memory.size).toBe(3);
    expect(memory.freeze('a', () => dsc('a3'))).toBe(a);
    expect(memory.freeze('b', () => dsc('b2')).dsc.trace_id).toBe('b2');
    expect(new HeadDscMemory().size).toBe(0);
    expect(HEAD_DSC_MEMORY_SIZE).toBeGreaterThanOrEqual(100);
  });
});
