#!/usr/bin/env python3
# Fails when a translation is incomplete, inconsistent, or misses a file.
#   check-translations.py SOURCE_ROOT
# 1. POTFILES.in lists every source file with translatable strings.
# 2. Each language in LINGUAS passes msgfmt --check (formats, headers).
# 3. Against strings freshly extracted from the sources (not an old .pot),
#    no message is untranslated or fuzzy.
import os
import re
import subprocess
import sys
import tempfile

root = sys.argv[1]
po_dir = os.path.join(root, 'po')
failed = False


def fail(message):
    global failed
    failed = True
    print('FAIL: ' + message)


with open(os.path.join(po_dir, 'POTFILES.in')) as f:
    listed = {line.strip() for line in f if line.strip() and not line.startswith('#')}

marker_c = re.compile(r'\b(?:_|N_|C_|NC_|g_dngettext)\s*\(\s*"')
for dirpath, _, files in os.walk(os.path.join(root, 'src')):
    for name in files:
        path = os.path.join(dirpath, name)
        rel = os.path.relpath(path, root)
        with open(path, encoding='utf-8') as f:
            text = f.read()
        if (name.endswith('.c') and marker_c.search(text)) or \
           (name.endswith('.ui') and 'translatable="yes"' in text):
            if rel not in listed:
                fail(f'{rel} has translatable strings but is not in po/POTFILES.in')
for rel in listed:
    if not os.path.exists(os.path.join(root, rel)):
        fail(f'po/POTFILES.in lists {rel}, which does not exist')

with open(os.path.join(po_dir, 'LINGUAS')) as f:
    languages = [w for line in f for w in line.split('#')[0].split()]

with tempfile.TemporaryDirectory() as tmp:
    pot = os.path.join(tmp, 'fresh.pot')
    potfiles = os.path.join(tmp, 'POTFILES')
    with open(potfiles, 'w') as f:
        f.write('\n'.join(sorted(listed)) + '\n')
    # The same keywords as meson's i18n "glib" preset.
    subprocess.run(['xgettext', '--from-code=UTF-8', '--add-comments',
                    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
                    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3',
                    '--keyword=g_dpgettext2:2c,3', '--flag=N_:1:pass-c-format',
                    '--flag=g_dngettext:2:pass-c-format', '--flag=g_strdup_printf:1:c-format',
                    '--flag=g_set_error:4:c-format', '--flag=g_printerr:1:c-format',
                    '--flag=g_print:1:c-format', '-D', root, '-f', potfiles, '-o', pot],
                   check=True)

    for lang in languages:
        po = os.path.join(po_dir, lang + '.po')
        check = subprocess.run(['msgfmt', '--check', '--check-format', '-o', os.devnull, po],
                               capture_output=True, text=True)
        if check.returncode != 0:
            fail(f'{lang}.po: msgfmt --check:\n{check.stderr}')
            continue
        # A message with <PRIu64> and the like is found at run time only
        # when msgfmt knew it for a C format (it then stores the forms the
        # C library's macros expand to): without the flag it never shows.
        with open(po, encoding='utf-8') as f:
            entries = f.read().split('\n\n')
        unflagged = [re.search(r'^msgid "(.*)"$', e, re.M).group(1) for e in entries
                     if re.search(r'^msgid ".*<PRI', e, re.M)
                     and not re.search(r'^#,.*\bc-format\b', e, re.M)]
        if unflagged:
            fail(f'{lang}.po: {len(unflagged)} message(s) with <PRI…> lack "#, c-format", '
                 'so they are never translated, e.g.:\n  ' + '\n  '.join(unflagged[:10]))
        merged = os.path.join(tmp, lang + '.po')
        subprocess.run(['msgmerge', '--quiet', '--no-fuzzy-matching', '-o', merged, po, pot],
                       check=True)
        for what in ('--untranslated', '--only-fuzzy'):
            out = subprocess.run(['msgattrib', what, '--no-obsolete', '--no-wrap', merged],
                                 capture_output=True, text=True, check=True).stdout
            missing = [m for m in re.findall(r'^msgid "(.*)"$', out, re.M) if m]
            if missing:
                kind = 'untranslated' if what == '--untranslated' else 'fuzzy'
                fail(f'{lang}.po: {len(missing)} {kind} message(s), e.g.:\n  ' +
                     '\n  '.join(missing[:10]))
        print(f'{lang}: complete')

sys.exit(1 if failed else 0)
