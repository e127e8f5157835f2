import { describe, expect, it } from 'vitest';
import { openExternal } from './api';

// A video visit's link leaves Folio through one door: the desktop window's
// BrowserOpenURL, or a new tab in a browser; never anything but https.
describe('openExternal', () => {
  it('hands the link to the desktop window’s browser when there is one', () => {
    const opened: string[] = [];
    const tabs: string[] = [];
    const ok = openExternal('https://meet.example.org/clinic-abc', { BrowserOpenURL: (u) => opened.push(u) },
      (u) => tabs.push(u));
    expect(ok).toBe(true);
    expect(opened).toEqual(['https://meet.example.org/clinic-abc']);
    expect(tabs).toEqual([]);
  });

  it('opens a new tab in a browser', () => {
    const tabs: string[] = [];
    expect(openExternal('https://meet.example.org/x?y=1', undefined, (u) => tabs.push(u))).toBe(true);
    expect(tabs).toEqual(['https://meet.example.org/x?y=1']);
  });

  it.each(['http://meet.example.org/x', 'javascript:alert(1)', 'file:///etc/passwd', 'not a link', ''])(
    'refuses %s',
    (url) => {
      const opened: string[] = [];
      expect(openExternal(url, { BrowserOpenURL: (u) => opened.push(u) }, (u) => opened.push(u))).toBe(false);
      expect(opened).toEqual([]);
    },
  );
});
