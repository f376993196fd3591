# `make run` (scripts/run-site.sh): sourced by tests/run.sh.

# The website unikernel serves build/site on the linux base with the
# host's network, in a namespace of its own.
guest make-run linux
case_make_run() {
	hostnet_skip
	[[ -n $skip_reason ]] && return
	[[ -f $B/site/index.html ]] || { skip_reason="skipped: no build/site (make site)"; return; }
	limit=40
	run_host tests/net/run-site.sh linux
	expect_out_has "ok: 4 checks"
}

# make run TARGET=kvm: the same image on KVM with lwIP, behind the tap
# in the namespace the script makes.
guest make-run-kvm kvm
case_make_run_kvm() {
	hostnet_skip
	[[ -n $skip_reason ]] && return
	[[ -f $B/site/index.html ]] || { skip_reason="skipped: no build/site (make site)"; return; }
	limit=40
	run_host tests/net/run-site.sh kvm
	expect_out_has "ok: 4 checks"
}

# Private file mappings (sys/mem.c).
guest mmap-file all
case_mmap_file() {
	run mmap-file
	expect_ok
	expect_err_empty
}
