#!/usr/bin/env bash
# The scale-out check of issue 9: a 3-node KRaft Kafka cluster, a Flink session cluster (JobManager + 2
# TaskManagers) running the alarm job and the time-series job submitted as a jar, the time-series store
# (tocsin store), and 2 ingest nodes behind HAProxy (Debian package haproxy; without it devices are split by
# port), each a separate OS process on this machine; devices load the cluster while one TaskManager and one Kafka
# broker are killed with kill -9. Exits non-zero if an acknowledged reading is missing from Kafka or from the
# time-series store, or an expected alarm transition did not reach a station console. Took 5 minutes at load
# average 11-23, 11-12 at 55-117, plus the build on a first run. Report: deploy/local-cluster/target/run/report.txt.
#
#   deploy/local-cluster/run-check.sh                 # builds what it needs, then runs the check
#   TOCSIN_TARGET=target-x deploy/local-cluster/run-check.sh   # build output folder (default: target)
#   MVN_ARGS=-o ...                                   # extra Maven arguments, e.g. offline
#   SKIP_BUILD=1 ...                                  # reuse the jars and classpaths of the last run
#   CHECK_OPTS="-Dtocsin.cluster.readingsPerSecond=10000" ...   # see LocalClusterCheck.Settings
set -euo pipefail
cd "$(dirname "$0")/../.."

target=${TOCSIN_TARGET:-target}
work=deploy/local-cluster/target
mvn=(./mvnw -B -q ${MVN_ARGS:-} -Dtocsin.target="$target")
mkdir -p "$work"

if [[ -z "${SKIP_BUILD:-}" ]]; then
  echo "Building the job jar, the standalone jar and the classpaths (output folders: $target) ..."
  # The job jar (stream-jobs/$target/tocsin-stream-jobs-job.jar) and `tocsin ingest` (standalone jar + lib/).
  # Installed with the modules they depend on (-am): the standalone jar's lib/ and the checker's class path below
  # take the tocsin-* jars from the local Maven repository, which would otherwise hold an older build.
  "${mvn[@]}" install -pl stream-jobs,standalone -am -DskipTests
  # Kafka's and Flink's own artifacts for the broker and Flink processes, and the checker's own classpath.
  for part in kafka flink; do
    "${mvn[@]}" -f deploy/local-cluster/$part-classpath/pom.xml \
      org.apache.maven.plugins:maven-dependency-plugin:3.11.0:build-classpath \
      -DincludeScope=runtime -Dmdep.outputFile="$PWD/$work/$part.classpath"
  done
  "${mvn[@]}" -pl standalone org.apache.maven.plugins:maven-dependency-plugin:3.11.0:build-classpath \
    -DincludeScope=test -Dmdep.outputFile="$PWD/$work/check.classpath"
fi

# The checker kills every process it started, also on failure or Ctrl-C; this trap is for the checker itself
# being killed: it ends the processes whose pids the checker recorded, by pid.
cleanup() {
  local pids=$work/run/pids
  if [[ -d $pids ]]; then
    for f in "$pids"/*; do
      [[ -e $f ]] || continue
      kill -9 "$(cat "$f")" 2>/dev/null || true
    done
  fi
}
trap cleanup EXIT

java -Xmx512m -XX:ActiveProcessorCount=2 \
  -Dlog4j2.configurationFile=log4j2-test.xml \
  -Dtocsin.cluster.dir="$work/run" \
  -Dtocsin.cluster.kafkaClasspathFile="$work/kafka.classpath" \
  -Dtocsin.cluster.flinkClasspathFile="$work/flink.classpath" \
  -Dtocsin.cluster.jobJar="stream-jobs/$target/tocsin-stream-jobs-job.jar" \
  -Dtocsin.cluster.standaloneJar="standalone/$target/tocsin-standalone.jar" \
  -Dtocsin.cluster.rules="deploy/local-cluster/cluster-rules.yaml" \
  ${CHECK_OPTS:-} \
  -cp "standalone/$target/test-classes:standalone/$target/classes:$(cat "$work/check.classpath")" \
  io.tocsin.standalone.cluster.LocalClusterCheck
