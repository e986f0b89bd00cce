#!/usr/bin/env python3
"""report.py: the figures of test/bench/run.sh.

  report.py report [--quick] RESULTS
      print the table of ratios and the targets; exit 1 if one is missed
  report.py chart RESULTS
      print the data chart.gp plots
  report.py breakdown COUNT UNIT NAME=CALLGRIND_FILE ...
      where the instructions per UNIT (row, transaction) of each
      configuration go, against the bare table of its scenario
  report.py trigger CALLGRIND_FILE
      instructions in BEFORE UPDATE row triggers and in the trigger function
  report.py memory MEMORY_TSV SERVER_LOG
      memory figures of measure 4, from the memory context dumps in the log

RESULTS is the folder run.sh writes: fairness-N.tsv, callgrind.tsv and,
after a full run, bulk.tsv, oltp.tsv, memory.tsv.
"""

import collections
import csv
import glob
import os
import re
import statistics
import sys

# The targets of the issue.
FLOOR_MAX = 1.30        # concurrency overhead / floor overhead
PLPGSQL_MAX = 0.45      # concurrency overhead / PL/pgSQL check overhead
OPTIONS_FLOOR_MAX = 1.50  # ignore_columns / check_columns overhead / floor overhead
WIDE_GROWTH_MAX = 1.10  # 100-column overhead / narrower table's overhead
OLTP_MIN = 0.97         # TPS / bare TPS, through the row trigger
FAST_MAX = 1.05         # per-row instructions, fast path / bare (the same table, no trigger)
OLTP_FAST_MIN = 0.99    # TPS / bare TPS, fast path
LOWER_BOUNDS = (OLTP_MIN, OLTP_FAST_MIN)
MEMORY_SLACK = 0.05     # bytes per row the executor may grow beyond the floor's
PRELOAD_MAX = 1.01      # per-row instructions with the library preloaded / without

VERSIONED = ('conc', 'trig', 'ignore3', 'check3', 'fd_conc')


def read_tsv(path):
    with open(path, newline='') as f:
        return list(csv.DictReader(f, delimiter='\t'))


def fmt_int(x):
    return '-' if x is None else '{:,.0f}'.format(x)


def fmt_ratio(x, digits=2):
    return '-' if x is None else '{:.{}f}'.format(x, digits)


class Configs:
    """The configurations, from fairness-N.tsv, in report order."""

    def __init__(self, rows):
        self.rows = rows
        self.by_name = {r['name']: r for r in rows}

    def names(self):
        return [r['name'] for r in self.rows]

    def kind(self, name):
        return self.by_name[name]['kind']

    def scenario(self, name):
        return self.by_name[name]['scenario']

    def find(self, scenario, kind):
        for r in self.rows:
            if r['scenario'] == scenario and r['kind'] == kind:
                return r['name']
        return None

    def base(self, name):
        """The table without a trigger this configuration is compared with."""
        kind = 'fd_bare' if self.kind(name).startswith('fd_') else 'bare'
        return self.find(self.scenario(name), kind)


def fairness_problems(configs, bulk_hot=None):
    """What makes the tables of a scenario differ, besides the trigger."""
    problems = []
    by_scenario = collections.defaultdict(list)
    for r in configs.rows:
        if not r['kind'].startswith('fd_'):
            by_scenario[r['scenario']].append(r)
    for scenario, rows in by_scenario.items():
        for field in ('columns', 'fillfactor', 'pages'):
            values = {r[field] for r in rows}
            if len(values) != 1:
                problems.append('%s: tables differ in %s: %s' % (
                    scenario, field, ', '.join('%s=%s' % (r['name'], r[field]) for r in rows)))
        for r in rows:
            if r['version_stored'] != 't':
                problems.append('%s: version column not stored in every row' % r['name'])
    for r in configs.rows:
        if r['kind'].startswith('fd_'):
            continue
        if r['updated']:
            hot = [(int(r['updated']), int(r['hot_updated']))]
        else:
            hot = (bulk_hot or {}).get(r['name'], [])
        for updated, hot_updated in hot:
            if updated != hot_updated:
                problems.append('%s: %d of %d updates were HOT' % (r['name'], hot_updated, updated))
                break
    return problems


def hot_share(configs, name, bulk_hot):
    r = configs.by_name[name]
    if r['updated']:
        pairs = [(int(r['updated']), int(r['hot_updated']))]
    else:
        pairs = bulk_hot.get(name, [])
    if not pairs:
        return None
    return 100.0 * sum(h for _, h in pairs) / sum(u for u, _ in pairs)


def load(results, quick):
    fair = sorted(glob.glob(os.path.join(results, 'fairness-*.tsv')),
                  key=lambda p: int(re.search(r'(\d+)\.tsv$', p).group(1)))
    cg_rows = read_tsv(os.path.join(results, 'callgrind.tsv'))
    n = cg_rows[0]['rows']
    configs = Configs(read_tsv(os.path.join(results, 'fairness-%s.tsv' % n)))
    per_row = {r['name']: (int(r['bulk_ir']) - int(r['empty_ir'])) / int(r['rows'])
               for r in cg_rows}
    data_trigger = {r['name']: int(r['trigger_ir']) / int(r['rows']) for r in cg_rows}
    data_function = {r['name']: int(r['function_ir']) / int(r['rows']) for r in cg_rows}
    per_tx = {r['name']: int(r['oltp_ir']) / int(r['oltp_transactions'])
              for r in cg_rows if r['oltp_ir']}
    data = {'configs': configs, 'per_row': per_row, 'per_tx': per_tx, 'cg_rows': int(n),
            'trigger': data_trigger, 'function': data_function,
            'cg_transactions': int(cg_rows[0]['oltp_transactions'])}
    pre_path = os.path.join(results, 'callgrind-preload.tsv')
    data['preload'] = {r['name']: (int(r['bulk_ir']) - int(r['empty_ir'])) / int(r['rows'])
                       for r in read_tsv(pre_path)} if os.path.exists(pre_path) else {}
    if quick:
        return data
    big = [p for p in fair if not p.endswith('fairness-%s.tsv' % n)]
    data['big_configs'] = Configs(read_tsv(big[-1])) if big else configs

    bulk = read_tsv(os.path.join(results, 'bulk.tsv'))
    times = collections.defaultdict(dict)
    cpu = collections.defaultdict(dict)
    wal = collections.defaultdict(dict)
    bulk_hot = collections.defaultdict(list)
    for r in bulk:
        times[r['round']][r['name']] = float(r['seconds'])
        wal[r['round']][r['name']] = float(r['wal_bytes']) / int(r['updated'])
        if r['cpu_seconds']:
            cpu[r['round']][r['name']] = float(r['cpu_seconds'])
        bulk_hot[r['name']].append((int(r['updated']), int(r['hot_updated'])))
    data['bulk_rows'] = max(u for pairs in bulk_hot.values() for u, _ in pairs)
    data['bulk_hot'] = bulk_hot
    data['bulk_rounds'] = len(times)
    data['bulk_median'] = medians(times, configs.names())
    data['bulk_ratio'] = median_ratios(times, configs)
    data['bulk_cpu_ratio'] = median_ratios(cpu, configs) if cpu else {}
    data['bulk_wal'] = medians(wal, configs.names())

    oltp = read_tsv(os.path.join(results, 'oltp.tsv'))
    data['oltp_rounds'] = len({r['round'] for r in oltp})
    data['tps'], data['tps_ratio'], data['cpu_tx'], data['cpu_tx_ratio'] = {}, {}, {}, {}
    data['tps_spread'] = {}
    for clients in ('1', '2'):
        tps = collections.defaultdict(dict)
        cpu_tx = collections.defaultdict(dict)
        for r in oltp:
            if r['clients'] == clients:
                tps[r['round']][r['name']] = float(r['tps'])
                cpu_tx[r['round']][r['name']] = float(r['cpu_seconds']) / int(r['transactions'])
        for name, v in medians(tps, configs.names()).items():
            data['tps'][(name, clients)] = v
        spread = {}
        for name, v in median_ratios(tps, configs, spread).items():
            data['tps_ratio'][(name, clients)] = v
            data['tps_spread'][(name, clients)] = spread[name]
        for name, v in medians(cpu_tx, configs.names()).items():
            data['cpu_tx'][(name, clients)] = v
        for name, v in median_ratios(cpu_tx, configs).items():
            data['cpu_tx_ratio'][(name, clients)] = v

    mem_path = os.path.join(results, 'memory.tsv')
    data['memory'] = read_tsv(mem_path) if os.path.exists(mem_path) else []
    return data


def medians(runs, names):
    """runs: round -> name -> figure; the median per name."""
    return {n: statistics.median(r[n] for r in runs.values() if n in r)
            for n in names if any(n in r for r in runs.values())}


def median_ratios(runs, configs, spread=None):
    """The median over rounds of each configuration's figure divided by
    that of its bare table in the same round; spread, if given, gets the
    lowest and highest of those ratios."""
    out = {}
    for n in configs.names():
        base = configs.base(n)
        ratios = [r[n] / r[base] for r in runs.values() if n in r and base in r and r[base]]
        if ratios:
            out[n] = statistics.median(ratios)
            if spread is not None:
                spread[n] = (min(ratios), max(ratios))
    return out


def tx_overhead(data, name):
    return data['per_tx'][name] - data['per_tx'][data['configs'].base(name)]


def overhead(data, name):
    configs, per_row = data['configs'], data['per_row']
    return per_row[name] - per_row[configs.base(name)]


def check_targets(data, quick):
    """(description, measured, limit, passed) for every target."""
    c = data['configs']
    ovh = lambda scenario, kind: overhead(data, c.find(scenario, kind))
    checks = []

    def ratio_check(text, num, den, limit, upper=True):
        r = num / den if den else float('inf')
        checks.append((text, r, limit, r <= limit if upper else r >= limit))

    per_row = lambda scenario, kind: data['per_row'][c.find(scenario, kind)]
    for scenario, columns in (('narrow', 4), ('opts', 10), ('wide', 100)):
        ratio_check('instructions per row: fast path / bare (%d columns)' % columns,
                    per_row(scenario, 'conc'), per_row(scenario, 'bare'), FAST_MAX)
    # the row trigger, which the fast path falls back on
    ratio_check('instructions: row trigger overhead / floor overhead (4 columns)',
                ovh('narrow', 'trig'), ovh('narrow', 'floor'), FLOOR_MAX)
    ratio_check('instructions: row trigger overhead / PL/pgSQL check overhead (4 columns)',
                ovh('narrow', 'trig'), ovh('narrow', 'plpgsql'), PLPGSQL_MAX)
    ratio_check('instructions: ignore_columns of 3 overhead / floor overhead (10 columns)',
                ovh('opts', 'ignore3'), ovh('opts', 'floor'), OPTIONS_FLOOR_MAX)
    ratio_check('instructions: check_columns of 3 overhead / floor overhead (10 columns)',
                ovh('opts', 'check3'), ovh('opts', 'floor'), OPTIONS_FLOOR_MAX)
    ratio_check('instructions: row trigger overhead, 100 columns / 4 columns',
                ovh('wide', 'trig'), ovh('narrow', 'trig'), WIDE_GROWTH_MAX)
    ratio_check('instructions: check_columns of 3 overhead, 100 columns / 10 columns',
                ovh('wide', 'check3'), ovh('opts', 'check3'), WIDE_GROWTH_MAX)
    trig = lambda scenario, kind: data['trigger'][c.find(scenario, kind)]
    ratio_check('instructions in the row trigger, default options, 100 columns / 4 columns',
                trig('wide', 'trig'), trig('narrow', 'trig'), WIDE_GROWTH_MAX)
    ratio_check('instructions in the row trigger, check_columns of 3, 100 columns / 10 columns',
                trig('wide', 'check3'), trig('opts', 'check3'), WIDE_GROWTH_MAX)
    for name, pre in sorted(data['preload'].items()):
        ratio_check('instructions per row: %s with shared_preload_libraries (conflict statistics on) / without'
                    % name, pre, data['per_row'][name], PRELOAD_MAX)
    problems = fairness_problems(c)
    checks.append(('fairness (%d rows): same columns, pages, fillfactor, all updates HOT%s'
                   % (data['cg_rows'], ''.join('\n      ' + p for p in problems)),
                   None, None, not problems))
    if quick:
        return checks

    problems = fairness_problems(data['big_configs'], data['bulk_hot'])
    checks.append(('fairness (%d rows): same columns, pages, fillfactor, all updates HOT%s'
                   % (data['bulk_rows'], ''.join('\n      ' + p for p in problems)),
                   None, None, not problems))
    for name in c.names():
        if c.kind(name) not in VERSIONED or c.kind(name).startswith('fd_'):
            continue
        limit = OLTP_FAST_MIN if c.kind(name) == 'conc' else OLTP_MIN
        for clients in ('1', '2'):
            r = data['tps_ratio'][(name, clients)]
            lo, hi = data['tps_spread'][(name, clients)]
            checks.append(('OLTP: TPS of %s / TPS of %s, %s client%s (rounds: %.3f .. %.3f)'
                           % (name, c.base(name), clients, '' if clients == '1' else 's', lo, hi),
                           r, limit, r >= limit))
    memory = {m['name']: m for m in data['memory']}
    for m in data['memory']:
        if m['name'] not in c.by_name or c.kind(m['name']) not in VERSIONED:
            continue
        floor = memory.get(c.find(c.scenario(m['name']), 'floor'))
        grown = int(m['executor_growth'])
        kept = int(m['after_total']) - int(m['before_total'])
        floor_grown = int(floor['executor_growth']) if floor else 0
        floor_kept = int(floor['after_total']) - int(floor['before_total']) if floor else 0
        # the dumps land within a few rows of each quarter, hence the slack
        rows = data['bulk_rows'] * 3 / 4
        own = (grown - floor_grown) / rows
        checks.append(('memory: %s: executor memory grew %.2f bytes per row (floor trigger: %.2f), '
                       'own growth %+.3f bytes per row; backend kept %s bytes after the UPDATE (floor: %s)'
                       % (m['name'], grown / rows, floor_grown / rows, own,
                          '{:,}'.format(kept), '{:,}'.format(floor_kept)),
                       None, None, own <= MEMORY_SLACK and kept <= max(0, floor_kept)))
    return checks


def scenario_title(configs, scenario):
    r = next(r for r in configs.rows if r['scenario'] == scenario)
    return '%s: %s columns (version last), fillfactor %s, primary key on id' % (
        scenario, r['columns'], r['fillfactor'])


def table(headers, rows, align):
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: '  '.join(c.ljust(w) if a == 'l' else c.rjust(w)
                                   for c, w, a in zip(cells, widths, align)).rstrip()
    out = [line(headers), line(['-' * w for w in widths])]
    out += [line(r) for r in rows]
    return '\n'.join(out)


def cmd_report(args):
    quick = '--quick' in args
    results = [a for a in args if a != '--quick'][0]
    data = load(results, quick)
    c = data['configs']
    out = []
    machine = os.path.join(results, 'machine.txt')
    if os.path.exists(machine):
        out.append(open(machine).read().rstrip())
        out.append('')

    out.append('Configurations (the tables of a scenario differ only in their trigger):')
    for n in c.names():
        out.append('  %-10s %s' % (n, c.by_name[n]['label']))
    out.append('')
    out.append('instr/row: instructions per updated row, callgrind, postgres --single, bulk UPDATE of %s rows'
               % '{:,}'.format(data['cg_rows']))
    out.append('  minus an empty transaction in the same backend, both rolled back.  overhead: instr/row minus')
    out.append('  that of the bare table; x floor, x plpgsql: overhead / overhead of that trigger on the same table.')
    out.append('  trigger: instructions per row inside BEFORE UPDATE row triggers (the trigger manager, row lock')
    out.append('  included, and the function); function: inside the trigger function.  See breakdown.txt.')
    if data['per_tx']:
        out.append('instr/tx: instructions per OLTP transaction (the pgbench script below: a prepared single-row')
        out.append('  UPDATE, committed), callgrind, postgres --single, %d transactions; overhead and x floor'
                   % data['cg_transactions'])
        out.append('  as above.')
    if not quick:
        out.append('bulk: UPDATE of all %s rows (rolled back), median of %d interleaved runs: seconds, then time'
                   % ('{:,}'.format(data['bulk_rows']), data['bulk_rounds']))
        out.append('  and backend CPU time as a ratio to bare (median of the per-round ratios), WAL bytes per row.')
        out.append('OLTP: pgbench -M prepared, one row by primary key with the version echoed, %d runs per client'
                   % data['oltp_rounds'])
        out.append('  count: TPS (median), TPS / bare TPS and backend CPU per transaction / bare (medians of the')
        out.append('  per-round ratios).')
    for scenario in dict.fromkeys(r['scenario'] for r in c.rows):
        names = [n for n in c.names() if c.scenario(n) == scenario]
        floor = c.find(scenario, 'floor')
        plpgsql = c.find(scenario, 'plpgsql')
        headers = ['', 'instr/row', 'overhead', 'x floor', 'x plpgsql', 'trigger', 'function']
        if data['per_tx']:
            headers += ['instr/tx', 'overhead', 'x floor']
        if not quick:
            headers += ['bulk s', 'time', 'CPU', 'WAL B', 'TPS 1c', 'TPS', 'CPU/tx', 'TPS 2c', 'TPS', 'CPU/tx']
        headers += ['HOT %']
        align = ['l'] + ['r'] * (len(headers) - 1)
        rows = []
        for n in names:
            kind = c.kind(n)
            base = kind in ('bare', 'fd_bare')
            o = overhead(data, n)
            row = [n, fmt_int(data['per_row'][n]),
                   '-' if base else '{:+,.0f}'.format(o),
                   fmt_ratio(o / overhead(data, floor)) if floor and not base else '-',
                   fmt_ratio(o / overhead(data, plpgsql)) if plpgsql and not base else '-',
                   fmt_int(data['trigger'][n]) if data['trigger'][n] else '-',
                   fmt_int(data['function'][n]) if data['function'][n] else '-']
            if data['per_tx']:
                row += [fmt_int(data['per_tx'][n]),
                        '-' if base else '{:+,.0f}'.format(tx_overhead(data, n)),
                        fmt_ratio(tx_overhead(data, n) / tx_overhead(data, floor))
                        if floor and not base else '-']
            if not quick:
                row += ['{:.2f}'.format(data['bulk_median'][n]),
                        fmt_ratio(data['bulk_ratio'].get(n), 3),
                        fmt_ratio(data['bulk_cpu_ratio'].get(n), 3),
                        fmt_int(data['bulk_wal'][n])]
                for clients in ('1', '2'):
                    row += [fmt_int(data['tps'].get((n, clients))),
                            fmt_ratio(data['tps_ratio'].get((n, clients)), 3),
                            fmt_ratio(data['cpu_tx_ratio'].get((n, clients)), 3)]
            hot = hot_share(c if quick else data['big_configs'], n, {} if quick else data['bulk_hot'])
            row.append('-' if hot is None else '{:.1f}'.format(hot))
            rows.append(row)
        out.append('')
        out.append(scenario_title(c, scenario))
        out.append(table(headers, rows, align))

    if not quick and data['memory']:
        out.append('')
        out.append('Memory: bulk UPDATE of %s rows.  Backend memory (sum of pg_backend_memory_contexts)'
                   % '{:,}'.format(data['bulk_rows']))
        out.append('before and after it; the executor\'s memory in use (ExecutorState and its children)')
        out.append('at 1/4 .. 4/4 of its rows, and how much that grew per row from 1/4 to 4/4.')
        rows = []
        for m in data['memory']:
            grown = int(m['executor_growth'])
            rows.append([m['name'], fmt_int(int(m['before_total'])), fmt_int(int(m['after_total'])),
                         m['executor_samples'], '{:+,}'.format(grown),
                         '{:.1f}'.format(grown / (data['bulk_rows'] * 3 / 4))])
        out.append(table(['configuration', 'before', 'after', 'executor bytes used at 1/4 .. 4/4',
                          'growth', 'bytes/row'], rows, ['l', 'r', 'r', 'r', 'r', 'r']))

    out.append('')
    out.append('Targets:')
    failed = 0
    for text, measured, limit, passed in check_targets(data, quick):
        failed += not passed
        if measured is None:
            out.append('  %s  %s' % ('PASS' if passed else 'FAIL', text))
        else:
            out.append('  %s  %s: %.3f (%s %.2f)' % ('PASS' if passed else 'FAIL', text, measured,
                                                  '>=' if limit in LOWER_BOUNDS else '<=', limit))
    out.append('%d target%s missed' % (failed, '' if failed == 1 else 's') if failed
               else 'every target met')
    print('\n'.join(out))
    return 1 if failed else 0


def cmd_chart(args):
    data = load(args[0], False)
    c = data['configs']
    print('# configuration\tbulk time / bare\tTPS / bare, 1 client\tTPS / bare, 2 clients'
          '\tbulk CPU / bare\t1 client: lowest, highest round\t2 clients: lowest, highest round')
    for n in c.names():
        lo1, hi1 = data['tps_spread'][(n, '1')]
        lo2, hi2 = data['tps_spread'][(n, '2')]
        print('%s: %s\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f' % (
            c.scenario(n), c.kind(n), data['bulk_ratio'][n], data['tps_ratio'][(n, '1')],
            data['tps_ratio'][(n, '2')], data['bulk_cpu_ratio'].get(n, float('nan')),
            lo1, hi1, lo2, hi2))
    return 0


class Callgrind:
    """Exclusive costs per function and inclusive costs per call, from one
    callgrind output file (one part of a run dumped with --dump-before)."""

    def __init__(self, path):
        self.exclusive = collections.Counter()
        self.calls = collections.Counter()     # (caller, callee) -> inclusive cost
        self.object = {}
        names = {'fn': {}, 'fl': {}, 'ob': {}}
        kinds = {'fn': 'fn', 'cfn': 'fn', 'fl': 'fl', 'fi': 'fl', 'fe': 'fl', 'cfl': 'fl',
                 'cfi': 'fl', 'ob': 'ob', 'cob': 'ob'}
        fn = cfn = ob = cob = None
        call_pending = False

        def name(kind, value):
            m = re.match(r'\((\d+)\)(?: (.*))?$', value)
            if not m:
                return value
            if m.group(2) is not None:
                names[kind][m.group(1)] = m.group(2)
            return names[kind][m.group(1)]

        with open(path) as f:
            for line in f:
                line = line.rstrip('\n')
                if not line:
                    continue
                if line[0].isdigit() or line[0] in '+-*':
                    parts = line.split()
                    cost = int(parts[1]) if len(parts) > 1 else 0
                    if call_pending:
                        if cfn != fn:
                            self.calls[(fn, cfn)] += cost
                        call_pending = False
                        cob = None
                    else:
                        self.exclusive[fn] += cost
                    continue
                key, _, value = line.partition('=')
                if key == 'fn':
                    fn = name('fn', value)
                    self.object.setdefault(fn, ob)
                    cob = None
                elif key == 'cfn':
                    cfn = name('fn', value)
                    self.object.setdefault(cfn, cob or ob)
                elif key == 'ob':
                    ob = name('ob', value)
                elif key == 'cob':
                    cob = name('ob', value)
                elif key in kinds:
                    name(kinds[key], value)
                elif key == 'calls':
                    call_pending = True
        self.total = sum(self.exclusive.values())

    def inclusive(self, fn):
        return self.exclusive.get(fn, 0) + sum(v for (a, _), v in self.calls.items() if a == fn)

    def trigger_path(self):
        """Instructions spent in BEFORE UPDATE row triggers: the trigger
        manager with the functions it calls, and the trigger function."""
        manager = max((self.inclusive(f) for f in self.exclusive
                       if f and f.startswith('ExecBRUpdateTriggers')), default=0)
        func = next((f for f in TRIGGER_FUNCTIONS if f in self.exclusive), None)
        return manager, self.inclusive(func) if func else 0

    def callees(self, fn):
        return collections.Counter({b: v for (a, b), v in self.calls.items() if a == fn})

    def label(self, fn):
        ob = self.object.get(fn) or ''
        return '%s [%s]' % (fn, os.path.basename(ob)) if ob else fn


TRIGGER_FUNCTIONS = ('concurrency_version_trigger', 'suppress_redundant_updates_trigger',
                     'plpgsql_call_handler')


def cmd_breakdown(args):
    rows, unit = int(args[0]), args[1]
    files = dict(a.split('=', 1) for a in args[2:])
    runs = {name: Callgrind(path) for name, path in files.items() if os.path.exists(path)}
    if unit == 'row':
        print('Where the instructions per updated row go: callgrind, the part of the run that holds')
        print('the bulk UPDATE of %s rows (rolled back), divided by the rows.' % '{:,}'.format(rows))
    else:
        print('Where the instructions per OLTP transaction go: callgrind, the part of the run that')
        print('holds %s single-row UPDATE transactions, divided by them.' % '{:,}'.format(rows))
    print('Each configuration against the bare table of its scenario.  Functions shown as')
    print('addresses are static functions of the postgres binary, which is stripped.')
    for name, run in runs.items():
        bare = runs.get(name[0] + '_bare')
        if bare is None or bare is run:
            continue
        per = lambda x: x / rows
        print()
        print('== %s: %s instructions per %s, %+.0f against %s_bare'
              % (name, '{:,.0f}'.format(per(run.total)), unit, per(run.total - bare.total), name[0]))
        trig_mgr, func_cost = run.trigger_path()
        func = next((f for f in TRIGGER_FUNCTIONS if f in run.exclusive), None)
        lock = run.inclusive('heap_lock_tuple')
        print('  %8.0f  BEFORE UPDATE row triggers (ExecBRUpdateTriggers, inclusive)' % per(trig_mgr))
        if func:
            print('  %8.0f    the trigger function %s (inclusive)' % (per(func_cost), func))
        print('  %8.0f    heap_lock_tuple: the row lock taken to hand OLD to the trigger' % per(lock))
        print('  %8.0f    the rest of the trigger manager (fetch OLD, materialize NEW, call)'
              % per(trig_mgr - func_cost - lock))
        print('  %8.0f  outside the trigger manager, against bare (knock-on effects)'
              % per(run.total - bare.total - trig_mgr))
        if func:
            print('  the trigger function\'s own instructions and its callees:')
            print('  %8.0f    %s itself' % (per(run.exclusive[func]), func))
            for callee, cost in run.callees(func).most_common(8):
                if per(cost) >= 1:
                    print('  %8.0f    %s' % (per(cost), run.label(callee)))
        print('  largest changes of exclusive instructions per %s, by function:' % unit)
        diff = collections.Counter()
        for f in set(run.exclusive) | set(bare.exclusive):
            diff[f] = run.exclusive.get(f, 0) - bare.exclusive.get(f, 0)
        for f, d in sorted(diff.items(), key=lambda kv: -abs(kv[1]))[:14]:
            if abs(per(d)) >= 5:
                print('  %+8.0f    %s' % (per(d), run.label(f)))
    return 0


def cmd_trigger(args):
    """Print the instructions in the trigger manager and in the trigger
    function of one callgrind file."""
    print('%d\t%d' % Callgrind(args[0]).trigger_path())
    return 0


def cmd_memory(args):
    tsv, log = args
    samples = collections.defaultdict(list)
    current = {}
    with open(log, errors='replace') as f:
        for line in f:
            m = re.search(r'\[(\d+)\] LOG:\s+(.*)$', line)
            if not m:
                continue
            pid, text = m.groups()
            if text.startswith('logging memory contexts of PID'):
                current[pid] = {'executor_level': None, 'executor': 0}
                samples[pid].append(current[pid])
                continue
            s = current.get(pid)
            if s is None:
                continue
            m = re.match(r'level: (\d+); ([^:]+): \d+ total in .* (\d+) used', text)
            if m:
                level, context, total = int(m.group(1)), m.group(2), int(m.group(3))
                if context == 'ExecutorState' and s['executor_level'] is None:
                    s['executor_level'] = level
                    s['executor'] = total
                    s['inside'] = True
                elif s.get('inside') and level > s['executor_level']:
                    s['executor'] += total
                else:
                    s['inside'] = False
            elif text.startswith('Grand total:'):
                s['grand'] = int(re.search(r'(\d+) used', text).group(1))
                current.pop(pid)
    writer = csv.writer(sys.stdout, delimiter='\t', lineterminator='\n')
    writer.writerow(['name', 'before_total', 'after_total', 'executor_samples', 'executor_growth',
                     'grand_samples'])
    for r in read_tsv(tsv):
        s = samples.get(r['pid'], [])
        if not s:
            sys.exit('no memory context dumps of %s (pid %s) in %s' % (r['name'], r['pid'], log))
        ex = [x['executor'] for x in s]
        writer.writerow([r['name'], r['before_total'], r['after_total'],
                         ' '.join('{:,}'.format(x) for x in ex), ex[-1] - ex[0],
                         ' '.join('{:,}'.format(x.get('grand', 0)) for x in s)])
    return 0


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cmd = {'report': cmd_report, 'chart': cmd_chart, 'breakdown': cmd_breakdown,
           'trigger': cmd_trigger, 'memory': cmd_memory}.get(sys.argv[1])
    if cmd is None:
        sys.exit(__doc__)
    sys.exit(cmd(sys.argv[2:]))


if __name__ == '__main__':
    main()
