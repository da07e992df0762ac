import { useEffect, useState } from 'react';

function copyWithSelection(text: string): boolean {
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  return ok;
}

/** Copies text; `copied` names what was copied last, for 1.8 s (a button can say "Copied"). */
export function useCopy(): [string, (key: string, text: string) => void] {
  const [copied, setCopied] = useState('');
  useEffect(() => {
    if (!copied) return;
    const id = setTimeout(() => setCopied(''), 1800);
    return () => clearTimeout(id);
  }, [copied]);
  const copy = (key: string, text: string) => {
    // The Clipboard API exists only in secure contexts; plain http on another host falls back.
    if (navigator.clipboard) void navigator.clipboard.writeText(text).then(() => setCopied(key), () => setCopied(''));
    else if (copyWithSelection(text)) setCopied(key);
  };
  return [copied, copy];
}
