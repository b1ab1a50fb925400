# SPDX-License-Identifier: GPL-2.0
#
# Count test cases in a results file written by the guest's init (see the
# protocol at the top of init). Prints failures as they are found and, last,
# one line "counts <passed> <failed> <skipped>".
#
# kselftest programs print TAP at indent 0. KUnit's debugfs results are
# KTAP: the suite at indent 0, its cases at indent 4 (parameterised cases'
# sub-results at 8). We count cases, never suites, but a suite that failed
# with no failing case (its init failed) still counts as one failure.

{ sub(/\r$/, "") }

function fail(why) {
	failed++
	print "FAIL: " why
}

/^@@ begin / { block = $3; block_failed = 0; suite_failed = 0; cases = 0; report = ""; next }
/^@@ end / {
	rc = $4
	sub(/^rc=/, "", rc)
	# A sanitizer's report fails its block even where no status says so
	# (a process whose exit status nobody checks, such as a test's child).
	if (report != "" && !block_failed) {
		block_failed = 1
		fail(block ": a sanitizer report: " report)
	}
	# A KUnit module that registers no case at all is a broken build.
	if (block == "kunit" && !cases)
		fail("kunit: no KUnit case ran")
	if (rc + 0 != 0 && !block_failed)
		fail(block ": exited with status " rc " without a failing case")
	block = ""
	next
}
/^@@ done/ { done = 1; next }

block == "" { next }

# ASan, LSan and UBSan (the sanitized selftests): shown whether or not a
# failing case already counts it.
/^==[0-9]+==ERROR: [A-Za-z]*Sanitizer|: runtime error: / {
	print "SANITIZER: " block ": " $0
	if (report == "")
		report = $0
	next
}

block == "kunit" {
	if ($0 ~ /^    (not )?ok [0-9]+ /) {
		cases++
		if ($0 ~ /^    not ok /) {
			block_failed = suite_failed = 1
			fail("kunit: " suite ": " substr($0, 5))
		} else if ($0 ~ /# SKIP/) {
			skipped++
		} else {
			passed++
		}
	} else if ($0 ~ /^    # Subtest: /) {
		suite = $3
		suite_failed = 0
	} else if ($0 ~ /^not ok [0-9]+ /) {
		if (!suite_failed)
			fail("kunit: suite failed: " $0)
		block_failed = 1
	}
	next
}

/^(not )?ok [0-9]+/ {
	if ($0 ~ /^not ok /) {
		block_failed = 1
		fail(block ": " $0)
	} else if ($0 ~ /# [Ss][Kk][Ii][Pp]/) {
		skipped++
	} else {
		passed++
	}
}

END {
	if (block != "")
		fail(block ": did not finish (the guest died or hung in it)")
	if (!done)
		fail("the guest did not reach the end of its job")
	printf "counts %d %d %d\n", passed, failed, skipped
}
