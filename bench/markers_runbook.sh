# markers_runbook.sh — sourced by the latency benchmarks (bench_latency.sh, bench_follow.sh):
# markers_runbook ID TITLE N FILE writes a runbook whose one step expects MARKER-00001 reached
# ... MARKER-N reached, in order, in sitecomp.log.
markers_runbook() {
	local id=$1 title=$2 n=$3 out=$4
	{
		cat <<YAML
runbook: 1
id: $id
title: $title
version: "1"
logs:
  sitecomp: sitecomp.log
phases:
  - id: p
    title: Phase
    steps:
      - id: markers
        title: Many markers in order
        verify:
          - log: sitecomp
            expect:
YAML
		for i in $(seq -f %05g 1 "$n"); do echo "              - MARKER-$i reached"; done
	} >"$out"
}
