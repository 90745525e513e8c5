import { describe, expect, it } from 'vitest';
import { describeError, isNotImplemented } from './describe-error.js';

describe('describeError', () => {
  it.each([
    ['NOT_IMPLEMENTED', 'Not available yet', 'info'],
    ['DOCKER_UNREACHABLE', 'Docker is not running', 'error'],
    ['INVALID_CONFIG', 'Please check the input', 'warning'],
    ['KUBEADM_FAILED', 'Something went wrong', 'error'],
    ['FORBIDDEN', 'Not allowed for this user', 'warning'],
  ])('%s → %s (%s)', (code, title, tone) => {
    const v = describeError({ code, message: 'm' });
    expect(v.title).toBe(title);
    expect(v.tone).toBe(tone);
    expect(v.message).toBe('M');
  });

  it('gives Docker a remedy when the core did not', () => {
    expect(describeError({ code: 'DOCKER_UNREACHABLE', message: 'x' }).remedy).toMatch(/Start Docker Desktop/);
    expect(describeError({ code: 'DOCKER_UNREACHABLE', message: 'x', remedy: 'own' }).remedy).toBe('Own');
  });

  it('copes with anything thrown', () => {
    expect(describeError('plain').message).toBe('Plain');
    expect(describeError(undefined).message).toBe('Unknown error');
    expect(isNotImplemented({ code: 'NOT_IMPLEMENTED', message: '' })).toBe(true);
    expect(isNotImplemented(new Error('x'))).toBe(false);
  });
});
