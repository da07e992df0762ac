import { describe, expect, it } from 'vitest';
import { allowedTargetUrl } from './target-url.ts';

const list = ['https://api.together.xyz/v1', 'https://*.openai.azure.com', 'http://127.0.0.1:9000'];

describe('allowedTargetUrl', () => {
  it('accepts listed prefixes and wildcard subdomains', () => {
    expect(allowedTargetUrl('https://api.together.xyz/v1', list).href).toBe('https://api.together.xyz/v1');
    expect(allowedTargetUrl('https://api.together.xyz/v1/', list).host).toBe('api.together.xyz');
    expect(allowedTargetUrl('https://my-res.openai.azure.com', list).host).toBe('my-res.openai.azure.com');
  });

  it.each([
    ['https://api.together.xyz/v2', 'path outside the prefix'],
    ['https://api.together.xyz.evil.com/v1', 'host suffix trick'],
    ['https://evil.com/api.together.xyz/v1', 'host in the path'],
    ['https://api.together.xyz@evil.com/v1', 'userinfo trick'],
    ['https://user:pw@api.together.xyz/v1', 'credentials'],
    ['http://api.together.xyz/v1', 'scheme downgrade'],
    ['https://api.together.xyz:8443/v1', 'another port'],
    ['https://openai.azure.com', 'bare wildcard suffix'],
    ['https://x.openai.azure.com.evil.com', 'wildcard suffix trick'],
    ['file:///etc/passwd', 'other scheme'],
    ['not a url', 'garbage'],
  ])('refuses %s (%s)', (value) => {
    expect(() => allowedTargetUrl(value, list)).toThrow(expect.objectContaining({ code: 'target_url_not_allowed' }));
  });
});
