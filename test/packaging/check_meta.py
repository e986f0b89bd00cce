#!/usr/bin/env python3
"""Validate a PGXN distribution's META.json against the PGXN Meta Spec 1.0.

Usage:
    check_meta.py DIST.zip       the META.json inside a release archive
    check_meta.py DIR            DIR/META.json, files looked up in DIR
    check_meta.py META.json      the file alone (no file existence checks)
    check_meta.py --self-test DIST.zip|DIR
                                 also prove that broken variants of that
                                 META.json are rejected, one per rule

pgxnclient reads META.json but does not validate it, hence this script.
The rules are those of https://pgxn.org/meta/spec.txt (version 1.0.x):
required keys, SemVer versions, license names, terms and tags, prereq
phases, relationships and version ranges, resources, no_index and
meta-spec.  For an archive it also checks what PGXN relies on: every file
sits under one top-level directory <name>-<version>/, META.json is there,
and each "provides" entry's file and docfile exist.  One rule of this
project comes on top: when the archive holds <extension>.control, the
META versions are its default_version as a semantic version (1.0 is
1.0.0).

Exits 0 when valid, 1 with one line per problem otherwise.
"""

import copy
import json
import os
import re
import sys
import zipfile

SEMVER = (r'(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)'
          r'(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)'
          r'(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?'
          r'(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?')
SEMVER_RE = re.compile('^' + SEMVER + '$')
RANGE_ITEM_RE = re.compile(r'^(?:(?:[=!]=|[<>]=?)\s*)?(?:' + SEMVER + '|0)$')
TERM_RE = re.compile(r'^[^/\\\s\x00-\x1f\x7f]{2,}$')
TAG_RE = re.compile(r'^[^/\\\x00-\x1f\x7f]{2,255}$')
URI_RE = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$')
EMAIL_RE = re.compile(r'^[^@\s]+@[^@\s]+$')
CUSTOM_RE = re.compile(r'^[xX]_.')

LICENSES = {
    'agpl_3', 'apache_1_1', 'apache_2_0', 'artistic_1', 'artistic_2', 'bsd',
    'freebsd', 'gfdl_1_2', 'gfdl_1_3', 'gpl_1', 'gpl_2', 'gpl_3', 'lgpl_2_1',
    'lgpl_3_0', 'mit', 'mozilla_1_0', 'mozilla_1_1', 'openssl', 'perl_5',
    'postgresql', 'qpl_1_0', 'ssleay', 'sun', 'zlib', 'open_source',
    'restricted', 'unrestricted', 'unknown',
}
REQUIRED = ('name', 'version', 'abstract', 'maintainer', 'license',
            'provides', 'meta-spec')
OPTIONAL = ('description', 'generated_by', 'tags', 'no_index', 'prereqs',
            'release_status', 'resources')
PHASES = ('configure', 'build', 'test', 'runtime', 'develop')
RELATIONSHIPS = ('requires', 'recommends', 'suggests', 'conflicts')
META_SPEC_URLS = ('https://pgxn.org/meta/spec.txt',
                  'http://pgxn.org/meta/spec.txt')


class Checker:
    def __init__(self, files=None, controls=None):
        self.errors = []
        self.files = files          # set of paths in the distribution, or None
        self.controls = controls or {}  # extension name -> default_version

    def err(self, where, what):
        self.errors.append('%s: %s' % (where, what))

    # -- value types ---------------------------------------------------------

    def string(self, where, v):
        if not isinstance(v, str) or v == '':
            self.err(where, 'must be a non-empty string, not %s' % json.dumps(v))
            return False
        return True

    def term(self, where, v):
        if isinstance(v, str) and TERM_RE.match(v):
            return True
        self.err(where, '%s is not a term (2 or more characters, no slash, '
                 'backslash, space or control character)' % json.dumps(v))
        return False

    def semver(self, where, v):
        if isinstance(v, str) and SEMVER_RE.match(v):
            return True
        self.err(where, '%s is not a semantic version (like "1.0.0")'
                 % json.dumps(v))
        return False

    def version_range(self, where, v):
        if v == 0 and not isinstance(v, bool):
            return
        if isinstance(v, str) and all(RANGE_ITEM_RE.match(p.strip())
                                      for p in v.split(',')):
            return
        self.err(where, '%s is not a version range (0, "1.2.0", ">= 1.2.0, '
                 '< 2.0.0")' % json.dumps(v))

    def uri(self, where, v):
        if not (isinstance(v, str) and URI_RE.match(v)):
            self.err(where, '%s is not a URI' % json.dumps(v))

    def path(self, where, v, must_exist):
        if not isinstance(v, str) or len(v) < 2:
            self.err(where, '%s is not a path of 2 or more characters'
                     % json.dumps(v))
            return
        if v.startswith('/') or '\\' in v or '..' in v.split('/'):
            self.err(where, '"%s" is not a relative path in Unix notation' % v)
            return
        if must_exist and self.files is not None and v not in self.files:
            self.err(where, '"%s" is not in the distribution' % v)

    def obj(self, where, v, allowed=None, required=(), nonempty=False):
        """An object; unknown keys are refused unless allowed is None."""
        if not isinstance(v, dict):
            self.err(where, 'must be an object, not %s' % json.dumps(v))
            return False
        for k in required:
            if k not in v:
                self.err(where, 'required key "%s" is missing' % k)
        if allowed is not None:
            for k in v:
                if k not in allowed and not CUSTOM_RE.match(k):
                    self.err(where, 'unknown key "%s" (custom keys start '
                             'with "x_")' % k)
        if nonempty and not v:
            self.err(where, 'must not be empty')
        return True

    # -- the spec's fields ---------------------------------------------------

    def maintainer(self, v):
        if isinstance(v, list):
            if not v:
                self.err('maintainer', 'must not be an empty list')
            for i, m in enumerate(v):
                self.string('maintainer[%d]' % i, m)
        else:
            self.string('maintainer', v)

    def license(self, v):
        if isinstance(v, str):
            if v not in LICENSES:
                self.err('license', '"%s" is not a license name of the spec '
                         '(like "postgresql"); name others in an object with '
                         'their URL' % v)
        elif isinstance(v, list):
            if not v:
                self.err('license', 'must not be an empty list')
            for i, name in enumerate(v):
                if name not in LICENSES:
                    self.err('license[%d]' % i, '%s is not a license name of '
                             'the spec' % json.dumps(name))
        elif isinstance(v, dict):
            if not v:
                self.err('license', 'must not be an empty object')
            for name, url in v.items():
                self.uri('license.%s' % name, url)
        else:
            self.err('license', 'must be a string, a list or an object')

    def meta_spec(self, v):
        if not self.obj('meta-spec', v, ('version', 'url'), ('version',)):
            return
        ver = v.get('version')
        if 'version' in v and not (isinstance(ver, str)
                                   and re.match(r'^1\.0\.\d+$', ver)):
            self.err('meta-spec.version', '%s: this checker knows meta-spec '
                     '1.0.x only' % json.dumps(ver))
        if 'url' in v and v['url'] not in META_SPEC_URLS:
            self.err('meta-spec.url', '%s is not %s'
                     % (json.dumps(v['url']), ' or '.join(META_SPEC_URLS)))

    def provides(self, v):
        if not self.obj('provides', v, nonempty=True):
            return
        for ext, info in v.items():
            where = 'provides.%s' % ext
            self.term('provides key', ext)
            if not self.obj(where, info,
                            ('file', 'version', 'abstract', 'docfile',
                             'docpath'), ('file', 'version')):
                continue
            if 'file' in info:
                self.path(where + '.file', info['file'], True)
            if 'docfile' in info:
                self.path(where + '.docfile', info['docfile'], True)
            if 'version' in info:
                self.semver(where + '.version', info['version'])
            if 'abstract' in info:
                self.string(where + '.abstract', info['abstract'])
            if 'docpath' in info:
                self.string(where + '.docpath', info['docpath'])

    def prereqs(self, v):
        if not self.obj('prereqs', v, PHASES, nonempty=True):
            return
        for phase in PHASES:
            if phase not in v:
                continue
            pw = 'prereqs.%s' % phase
            if not self.obj(pw, v[phase], RELATIONSHIPS, nonempty=True):
                continue
            for rel in RELATIONSHIPS:
                if rel not in v[phase]:
                    continue
                rw = '%s.%s' % (pw, rel)
                if not self.obj(rw, v[phase][rel], nonempty=True):
                    continue
                for name, rng in v[phase][rel].items():
                    self.term(rw + ' key', name)
                    self.version_range('%s.%s' % (rw, name), rng)

    def tags(self, v):
        if not isinstance(v, list) or not v:
            self.err('tags', 'must be a non-empty list')
            return
        for i, t in enumerate(v):
            if not (isinstance(t, str) and TAG_RE.match(t)):
                self.err('tags[%d]' % i, '%s is not a tag (2 to 255 '
                         'characters, no slash, backslash or control '
                         'character)' % json.dumps(t))

    def resources(self, v):
        if not self.obj('resources', v, ('homepage', 'bugtracker',
                                         'repository'), nonempty=True):
            return
        if 'homepage' in v:
            self.uri('resources.homepage', v['homepage'])
        bt = v.get('bugtracker')
        if bt is not None and self.obj('resources.bugtracker', bt,
                                       ('web', 'mailto')):
            if 'web' not in bt and 'mailto' not in bt:
                self.err('resources.bugtracker', 'needs "web" or "mailto"')
            if 'web' in bt:
                self.uri('resources.bugtracker.web', bt['web'])
            if 'mailto' in bt and not (isinstance(bt['mailto'], str)
                                       and EMAIL_RE.match(bt['mailto'])):
                self.err('resources.bugtracker.mailto',
                         '%s is not an email address' % json.dumps(bt['mailto']))
        repo = v.get('repository')
        if repo is not None and self.obj('resources.repository', repo,
                                         ('url', 'web', 'type')):
            if 'web' not in repo and not ('url' in repo and 'type' in repo):
                self.err('resources.repository',
                         'needs "web", or "url" with "type"')
            for k in ('url', 'web'):
                if k in repo:
                    self.uri('resources.repository.' + k, repo[k])
            if 'type' in repo and not (isinstance(repo['type'], str)
                                       and repo['type'].islower()):
                self.err('resources.repository.type',
                         'must be a lower-case name like "git"')

    def no_index(self, v):
        if not self.obj('no_index', v, ('file', 'directory')):
            return
        if 'file' not in v and 'directory' not in v:
            self.err('no_index', 'needs "file" or "directory"')
        for k in ('file', 'directory'):
            if k not in v:
                continue
            items = v[k] if isinstance(v[k], list) else [v[k]]
            if isinstance(v[k], list) and (not items
                                           or len(set(map(str, items)))
                                           != len(items)):
                self.err('no_index.' + k, 'must be a non-empty list of '
                         'distinct paths')
            for i, p in enumerate(items):
                self.path('no_index.%s[%d]' % (k, i), p, False)

    def meta(self, m):
        if not self.obj('META.json', m, REQUIRED + OPTIONAL, REQUIRED):
            return
        if 'name' in m:
            self.term('name', m['name'])
        if 'version' in m:
            self.semver('version', m['version'])
        if 'abstract' in m:
            self.string('abstract', m['abstract'])
        for k in ('description', 'generated_by'):
            if k in m:
                self.string(k, m[k])
        if 'maintainer' in m:
            self.maintainer(m['maintainer'])
        if 'license' in m:
            self.license(m['license'])
        if 'meta-spec' in m:
            self.meta_spec(m['meta-spec'])
        if 'provides' in m:
            self.provides(m['provides'])
        if 'prereqs' in m:
            self.prereqs(m['prereqs'])
        if 'tags' in m:
            self.tags(m['tags'])
        if 'release_status' in m and m['release_status'] not in (
                'stable', 'testing', 'unstable'):
            self.err('release_status', '%s is not stable, testing or '
                     'unstable' % json.dumps(m['release_status']))
        if 'resources' in m:
            self.resources(m['resources'])
        if 'no_index' in m:
            self.no_index(m['no_index'])
        self.control_versions(m)

    def control_versions(self, m):
        """This project's rule: META versions follow the control file."""
        provides = m.get('provides')
        if not isinstance(provides, dict):
            return
        for ext, info in provides.items():
            if ext not in self.controls or not isinstance(info, dict):
                continue
            want = as_semver(self.controls[ext])
            if info.get('version') != want:
                self.err('provides.%s.version' % ext, '%s, but %s.control '
                         'says default_version = \'%s\' (%s)'
                         % (json.dumps(info.get('version')), ext,
                            self.controls[ext], want))
            if m.get('name') == ext and m.get('version') != want:
                self.err('version', '%s, but %s.control says default_version '
                         '= \'%s\' (%s)' % (json.dumps(m.get('version')), ext,
                                            self.controls[ext], want))


def as_semver(v):
    """default_version as a semantic version: 1.0 -> 1.0.0."""
    return v + '.0' if re.match(r'^\d+\.\d+$', v) else v


def default_version(text):
    m = re.search(r"^\s*default_version\s*=\s*'([^']*)'", text, re.M)
    return m.group(1) if m else None


def load(target):
    """Return (META text, files or None, {ext: default_version}, problems,
    top-level directory of an archive or None)."""
    problems = []
    if zipfile.is_zipfile(target):
        with zipfile.ZipFile(target) as z:
            names = z.namelist()
            tops = {n.split('/', 1)[0] for n in names}
            if len(tops) != 1 or any('/' not in n for n in names):
                problems.append('%s: every file must be under one top-level '
                                'directory, found %s'
                                % (target, ', '.join(sorted(tops))))
                return None, None, {}, problems, None
            top = tops.pop() + '/'
            files = {n[len(top):] for n in names if not n.endswith('/')}
            if 'META.json' not in files:
                problems.append('%s: no %sMETA.json' % (target, top))
                return None, None, {}, problems, None
            text = z.read(top + 'META.json').decode('utf-8')
            controls = {}
            for f in files:
                if '/' not in f and f.endswith('.control'):
                    v = default_version(z.read(top + f).decode('utf-8'))
                    if v:
                        controls[f[:-len('.control')]] = v
            return text, files, controls, problems, top
    if os.path.isdir(target):
        files = set()
        for root, dirs, names in os.walk(target):
            dirs[:] = [d for d in dirs if d != '.git']
            for n in names:
                files.add(os.path.relpath(os.path.join(root, n), target))
        controls = {}
        for f in files:
            if '/' not in f and f.endswith('.control'):
                with open(os.path.join(target, f), encoding='utf-8') as fh:
                    v = default_version(fh.read())
                if v:
                    controls[f[:-len('.control')]] = v
        with open(os.path.join(target, 'META.json'), encoding='utf-8') as fh:
            return fh.read(), files, controls, problems, None
    with open(target, encoding='utf-8') as fh:
        return fh.read(), None, {}, problems, None


def check(text, files, controls, top=None):
    c = Checker(files, controls)
    try:
        meta = json.loads(text)
    except ValueError as e:
        return ['META.json: not valid JSON: %s' % e], None
    c.meta(meta)
    if top is not None and isinstance(meta, dict):
        want = '%s-%s/' % (meta.get('name'), meta.get('version'))
        if top != want:
            c.err('archive', 'top-level directory is "%s", PGXN expects "%s"'
                  % (top, want))
    return c.errors, meta


# Broken variants for --self-test: (what is wrong, how to break it).
def _set(path, value):
    def f(m):
        d = m
        for k in path[:-1]:
            d = d[k]
        d[path[-1]] = value
    return f


def _del(path):
    def f(m):
        d = m
        for k in path[:-1]:
            d = d[k]
        del d[path[-1]]
    return f


def _first_ext(m):
    return next(iter(m['provides']))


# Broken variants for --self-test: (what is wrong, a piece of the error
# that must name it, how to break a valid META.json).
MUTATIONS = [
    ('no name', 'required key "name"', _del(['name'])),
    ('no version', 'required key "version"', _del(['version'])),
    ('no abstract', 'required key "abstract"', _del(['abstract'])),
    ('no maintainer', 'required key "maintainer"', _del(['maintainer'])),
    ('no license', 'required key "license"', _del(['license'])),
    ('no provides', 'required key "provides"', _del(['provides'])),
    ('no meta-spec', 'required key "meta-spec"', _del(['meta-spec'])),
    ('version not SemVer', 'version: "1.0" is not a semantic version',
     _set(['version'], '1.0')),
    ('version with a leading zero', 'version: "01.0.0" is not a semantic',
     _set(['version'], '01.0.0')),
    ('name with a space', 'name: "con currency" is not a term',
     _set(['name'], 'con currency')),
    ('empty abstract', 'abstract: must be a non-empty string',
     _set(['abstract'], '')),
    ('empty maintainer list', 'maintainer: must not be an empty list',
     _set(['maintainer'], [])),
    ('unknown license', 'license: "PostgreSQL License" is not a license',
     _set(['license'], 'PostgreSQL License')),
    ('license URL not a URI', 'license.PostgreSQL: "see LICENSE" is not a URI',
     _set(['license'], {'PostgreSQL': 'see LICENSE'})),
    ('meta-spec 2.0.0', 'meta-spec.version: "2.0.0"',
     _set(['meta-spec', 'version'], '2.0.0')),
    ('meta-spec unknown url', 'meta-spec.url: "https://example.org/spec"',
     _set(['meta-spec', 'url'], 'https://example.org/spec')),
    ('unknown top-level key', 'unknown key "homepage"',
     _set(['homepage'], 'https://example.org/')),
    ('empty provides', 'provides: must not be empty', _set(['provides'], {})),
    ('provides without file', 'required key "file"',
     lambda m: _del(['provides', _first_ext(m), 'file'])(m)),
    ('provides without version', 'required key "version"',
     lambda m: _del(['provides', _first_ext(m), 'version'])(m)),
    ('provides version not SemVer', '.version: "1.0" is not a semantic',
     lambda m: _set(['provides', _first_ext(m), 'version'], '1.0')(m)),
    ('provides file missing', '"sql/missing.sql" is not in the distribution',
     lambda m: _set(['provides', _first_ext(m), 'file'], 'sql/missing.sql')(m)),
    ('provides docfile missing', '"doc/missing.md" is not in the distribution',
     lambda m: _set(['provides', _first_ext(m), 'docfile'], 'doc/missing.md')(m)),
    ('provides file absolute', '"/etc/passwd" is not a relative path',
     lambda m: _set(['provides', _first_ext(m), 'file'], '/etc/passwd')(m)),
    ('provides unknown key', 'unknown key "schema"',
     lambda m: _set(['provides', _first_ext(m), 'schema'], 'public')(m)),
    ('unknown prereq phase', 'prereqs: unknown key "install"',
     _set(['prereqs', 'install'], {'requires': {'PostgreSQL': '13.0.0'}})),
    ('unknown prereq relationship', 'prereqs.runtime: unknown key "needs"',
     _set(['prereqs', 'runtime', 'needs'], {'PostgreSQL': '13.0.0'})),
    ('prereq version not a range', '"13" is not a version range',
     _set(['prereqs', 'runtime', 'requires'], {'PostgreSQL': '13'})),
    ('empty tags', 'tags: must be a non-empty list', _set(['tags'], [])),
    ('tag with a slash', 'tags[0]: "read/write" is not a tag',
     _set(['tags'], ['read/write'])),
    ('bad release_status', 'release_status: "final" is not stable',
     _set(['release_status'], 'final')),
]


def self_test(text, files, controls, top):
    """Each broken variant of a valid META.json must be rejected."""
    good = json.loads(text)
    failures = []
    for what, expect, mutate in MUTATIONS:
        m = copy.deepcopy(good)
        try:
            mutate(m)
        except (KeyError, StopIteration):
            failures.append('%s: cannot build this variant from META.json'
                            % what)
            continue
        errors, _ = check(json.dumps(m), files, controls, top)
        if not any(expect in e for e in errors):
            failures.append('%s: not reported as "...%s..."; got: %s'
                            % (what, expect, '; '.join(errors) or 'valid'))
    if controls:
        ext, ver = next(iter(controls.items()))
        errors, _ = check(text, files, {ext: ver + '.9'}, top)
        if not any("%s.control says default_version" % ext in e
                   for e in errors):
            failures.append('a version other than %s.control\'s: accepted'
                            % ext)
    return failures


def main(argv):
    args = argv[1:]
    selftest = bool(args) and args[0] == '--self-test'
    if selftest:
        args = args[1:]
    if len(args) != 1:
        print(__doc__.split('\n\n')[1], file=sys.stderr)
        return 2
    target = args[0]
    text, files, controls, problems, top = load(target)
    if text is None:
        for p in problems:
            print(p)
        return 1
    errors, meta = check(text, files, controls, top)
    for e in problems + errors:
        print('%s: %s' % (target, e))
    if problems or errors:
        return 1
    exts = ', '.join('%s %s' % (k, v.get('version'))
                     for k, v in meta['provides'].items())
    print('%s: META.json is valid (meta-spec %s): %s %s, provides %s'
          % (target, meta['meta-spec']['version'], meta['name'],
             meta['version'], exts))
    if selftest:
        failures = self_test(text, files, controls, top)
        for f in failures:
            print('%s: self-test: %s' % (target, f))
        if failures:
            return 1
        print('%s: self-test: %d broken variants rejected'
              % (target, len(MUTATIONS) + (1 if controls else 0)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
