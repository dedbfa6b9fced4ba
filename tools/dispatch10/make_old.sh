#!/bin/sh
# The old dispatcher beside the new one, for ab.py and nullgw.py (modes.py imports it):
# a188a39's dispatch, hand_over_many, accepted_many and sms_segments as old_* modules
# in tools/dispatch10/old/, and a188a39's whole tree in /tmp/d10-old (bench_pair.sh).
set -e
here=$(dirname "$0")
mkdir -p "$here/old"
for f in dispatch hand_over_many accepted_many; do
  git show a188a39:rekruttering/reminders/$f.py \
    | sed -e 's/from rekruttering.reminders.accepted_many import/from old_accepted_many import/' \
          -e 's/from rekruttering.reminders.hand_over_many import/from old_hand_over_many import/' \
    > "$here/old/old_$f.py"
done
git show a188a39:rekruttering/domain/sms_segments.py > "$here/old/old_sms_segments.py"
rm -rf /tmp/d10-old && mkdir -p /tmp/d10-old/instance/bench && git archive a188a39 | tar -x -C /tmp/d10-old
