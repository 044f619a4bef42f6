#!/bin/sh
# tools/check-po.sh RETSIM POT: the catalogue of words is complete, and retsim
# in Chinese writes no English sentence.  Run by `make check-po` (part of
# make test), which regenerates POT from the code first.
#
#   1. po/retsim.pot is POT (the code's msgids): else run `make update-po`;
#   2. msgfmt --check is clean on po/zh_CN.po (no warning either);
#   3. every msgid of the code is in po/zh_CN.po, translated, not fuzzy; no
#      msgid of po/zh_CN.po is missing from the code (a stale translation);
#   4. run, compare, sweep, explain (every shipped scenario), report and
#      lesson with --lang zh print no English sentence;
#   5. a few bad scenarios (scenarios/bad) under LANG=zh_CN.UTF-8, and with
#      --lang zh, fail with exit status 2 and their error in Chinese.
#
# An "English sentence" is three or more ASCII words in a row (letters
# only, separated by spaces, a comma, colon or semicolon allowed after a
# word).  Before looking, these are taken out, as they are names, not words
# of retsim: tokens holding a digit, '/', '_', '=', '@' or a dot inside a word
# (numbers, units like 30d, paths, file names, key names section.key and
# option names --reps); in HTML the tags, <style>, <pre> (the scenario file
# and the command to re-run it, quoted as written), <code> and the SVG
# plots' <desc> (gnuplot's "Produced by GNUPLOT"); and the scenarios' own
# descriptions (description = ... in scenarios/, the user's words, not
# retsim's; the lessons' texts are lessons.ini's *_zh keys).  ALLOW below
# lists the few English words retsim keeps in Chinese: retsim (the name),
# pp (percentage points, as the console verdicts write them).  Keep it
# short.
set -eu
bin=${1:-./retsim}
pot=${2:?usage: tools/check-po.sh RETSIM POT}
po=po/zh_CN.po
tmp=$(mktemp -d "${TMPDIR:-/tmp}/retsim-check-po-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() {
    echo "check-po: FAIL: $*" >&2
    exit 1
}

# ---- 1. the template is the code's ----
cmp -s po/retsim.pot "$pot" ||
    fail "po/retsim.pot is not the code's msgids (diff po/retsim.pot $pot); run 'make update-po' and translate"

# ---- 2. msgfmt --check ----
msgfmt --check --statistics -o /dev/null "$po" 2>"$tmp/msgfmt.txt" || fail "msgfmt --check $po: $(cat "$tmp/msgfmt.txt")"
grep -q -e 'warning' -e 'untranslated' -e 'fuzzy' "$tmp/msgfmt.txt" && fail "msgfmt --check $po: $(cat "$tmp/msgfmt.txt")"

# ---- 3. complete, translated, not fuzzy, not stale ----
msgattrib --untranslated --no-obsolete "$po" | grep -v '^#' | grep -v '^msgid ""$' | grep -q '^msgid' &&
    fail "untranslated in $po: $(msgattrib --untranslated --no-obsolete "$po" | grep '^msgid' | sed -n '2,6p')"
msgattrib --only-fuzzy --no-obsolete "$po" | grep -q '^msgid' &&
    fail "fuzzy in $po: $(msgattrib --only-fuzzy --no-obsolete "$po" | grep '^msgid' | head -5)"
msgcmp "$po" "$pot" 2>"$tmp/msgcmp.txt" || fail "msgids of the code missing from $po: $(head -20 "$tmp/msgcmp.txt")"
msgcmp --use-untranslated "$pot" "$po" 2>"$tmp/msgcmp.txt" ||
    fail "msgids of $po no longer in the code (run 'make update-po'): $(head -20 "$tmp/msgcmp.txt")"

# ---- 4. no English sentence in Chinese ----
ALLOW='retsim pp'
export ALLOW
S=scenarios
desc='scenario.description=测试'
out=$tmp/out
mkdir "$out"
{
    "$bin" run $S/restaurant_recharge.ini --set "$desc" --reps 2 --seed 1 --lang zh --report --out "$out/run"
    "$bin" compare $S/restaurant.ini $S/restaurant_recharge.ini --set "$desc" --reps 2 --seed 1 --lang zh \
        --report --out "$out/compare"
    "$bin" sweep $S/restaurant_recharge.ini --param recharge.multiple=1:2:1 --set "$desc" --reps 2 --seed 1 \
        --lang zh --report --out "$out/sweep"
    for f in $S/*.ini; do
        "$bin" explain "$f" --set "$desc" --lang zh
    done
    "$bin" lesson --lang zh
    "$bin" lesson 3 --answer a --lang zh --reps 2 --out "$out/lesson" </dev/null
} >"$tmp/console.txt" 2>&1 || fail "a --lang zh command failed: $(tail -5 "$tmp/console.txt")"
for f in "$out"/*/report.zh.html; do
    cat "$f"
done >"$tmp/pages.html"
perl -CSD -0777 -ne '
    s{<style.*?</style>}{ }gs; s{<pre.*?</pre>}{ }gs; s{<code.*?</code>}{ }gs; s{<desc>.*?</desc>}{ }gs;
    s{<[^>]*>}{ }g; s{&nbsp;}{ }g; s{&[a-z]+;}{ }g; print' "$tmp/pages.html" >"$tmp/pages.txt"
sed -n 's/^description *= *//p' $S/*.ini $S/lessons/*.ini | sort -u >"$tmp/descriptions.txt"
DESCRIPTIONS=$tmp/descriptions.txt
export DESCRIPTIONS
# english FILE...: prints each English sentence in FILEs (file:line: sentence <- line); fails when any
english() {
    perl -CSD -ne '
        BEGIN {
            %allow = map { $_ => 1 } split / /, $ENV{ALLOW};
            open my $d, "<:encoding(UTF-8)", $ENV{DESCRIPTIONS} or die;
            @desc = sort { length $b <=> length $a } grep { length } map { chomp; $_ } <$d>;
        }
        my $line = $_;
        for my $t (@desc) { s/\Q$t\E/ /g }
        s{\S*(?:[\d/_=@]|--|\w\.\w)\S*}{ }g;
        s{\b(\w+)\b}{$allow{$1} ? " " : $1}ge;
        while (/(?<![A-Za-z])([A-Za-z]+(?:[,;:]?[ ]+[A-Za-z]+){2,})/g) {
            print "$ARGV:$.: $1    <- $line"; $found = 1
        }
        END { exit($found ? 1 : 0) }' "$@"
}
english "$tmp/console.txt" "$tmp/pages.txt" >"$tmp/english.txt" ||
    fail "English sentences in --lang zh output:
$(head -30 "$tmp/english.txt")"
echo "check-po: ok ($(sed 's/\.$//' "$tmp/msgfmt.txt"); every msgid of the code translated; no English sentence in --lang zh output)"

# ---- 5. errors in the user's language ----
# A few bad scenarios, with LANG=zh_CN.UTF-8 (and --lang zh where the command
# takes it): the error is in Chinese (no English sentence) and the exit
# status is still 2.  The English messages are checked word for word by
# tests/ (scenarios/bad/*.ini against their expected messages).
B=$S/bad
for f in bad_boolean channel_start_after_stop churn_beta_and_mean key_twice lifecycle_order no_channel \
    recall_after_lost section_twice spend_log_with_gamma trap_order unknown_key_suggest unknown_section_suggest \
    wom_no_referral_channel; do
    for cmd in "run $B/$f.ini --reps 2 --out $out/bad" "run $B/$f.ini --reps 2 --lang zh --out $out/bad" \
        "explain $B/$f.ini --lang zh" "compare $S/restaurant.ini $B/$f.ini --reps 2 --out $out/bad"; do
        status=0
        # shellcheck disable=SC2086
        LANG=zh_CN.UTF-8 LANGUAGE= LC_ALL= LC_MESSAGES= "$bin" $cmd >/dev/null 2>"$tmp/error.txt" || status=$?
        [ "$status" -eq 2 ] || fail "LANG=zh_CN.UTF-8 retsim $cmd: exit $status, expected 2: $(cat "$tmp/error.txt")"
        # the scenario's own error (it names the file), in Chinese
        grep -q "$f.ini" "$tmp/error.txt" && perl -CSD -0777 -ne 'exit(/\p{Han}/ ? 0 : 1)' "$tmp/error.txt" ||
            fail "LANG=zh_CN.UTF-8 retsim $cmd: not the scenario's error in Chinese: $(cat "$tmp/error.txt")"
        english "$tmp/error.txt" >"$tmp/english.txt" ||
            fail "LANG=zh_CN.UTF-8 retsim $cmd: an English sentence in the error:
$(cat "$tmp/english.txt")"
    done
done
echo "check-po: ok (errors of $B/*.ini in Chinese under LANG=zh_CN.UTF-8 and --lang zh, exit status 2)"
