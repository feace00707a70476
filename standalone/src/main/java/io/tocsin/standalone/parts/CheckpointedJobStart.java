package io.tocsin.standalone.parts;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a job on a MiniCluster from the newest complete checkpoint in its folder ({@link LatestCheckpoint}) and
 * waits until it runs. A job that does not start says why (Flink's root cause) and, when it was restoring, which
 * checkpoint and how to start without it: a checkpoint whose state this version cannot read (an operator removed
 * or re-keyed by an upgrade) would otherwise stop {@code tocsin jobs} at every start with nothing but "FAILED".
 */
final class CheckpointedJobStart {

    private static final Logger log = LoggerFactory.getLogger(CheckpointedJobStart.class);

    private CheckpointedJobStart() {
    }

    /**
     * Submits {@code graph}, restoring from the latest checkpoint under {@code jobCheckpoints} if there is one
     * (all of its state must map to the graph: no state is dropped silently), and returns once it runs.
     *
     * @throws IllegalStateException if the job failed or did not run within {@code timeout}
     */
    static JobID start(MiniCluster cluster, StreamGraph graph, Path jobCheckpoints, Duration timeout)
            throws Exception {
        Optional<Path> restoreFrom = LatestCheckpoint.in(jobCheckpoints);
        restoreFrom.ifPresent(chk -> graph.setSavepointRestoreSettings(
                SavepointRestoreSettings.forPath(chk.toUri().toString(), false)));
        JobID id = cluster.submitJob(graph).get(timeout.toMillis(), TimeUnit.MILLISECONDS).getJobID();
        long deadline = System.nanoTime() + timeout.toNanos();
        JobStatus status;
        while ((status = cluster.getJobStatus(id).get(timeout.toMillis(), TimeUnit.MILLISECONDS))
                != JobStatus.RUNNING) {
            if (status.isGloballyTerminalState() || System.nanoTime() > deadline) {
                String why = status.isGloballyTerminalState() ? rootCause(cluster, id, timeout) : "not running after "
                        + timeout.toSeconds() + " s";
                throw new IllegalStateException("Flink job " + graph.getJobName() + " did not start (" + status
                        + "): " + why + restoreFrom.map(chk -> ". It was restoring the checkpoint " + chk
                        + ": if that checkpoint was written by a version whose state this one cannot read, move "
                        + jobCheckpoints + " aside to start with fresh state (alarms still present are raised again"
                        + " by their next readings; the job reads Kafka from its group's committed offsets)")
                        .orElse(""));
            }
            TimeUnit.MILLISECONDS.sleep(50); // polling the job status, nothing to wait on
        }
        log.info("Flink job {} running ({}), {}", graph.getJobName(), id,
                restoreFrom.map(chk -> "restored from " + chk).orElse("no checkpoint to restore: fresh state"));
        return id;
    }

    private static String rootCause(MiniCluster cluster, JobID id, Duration timeout) {
        try {
            JobResult result = cluster.requestJobResult(id).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Throwable t = result.getSerializedThrowable().orElse(null);
            if (t == null) {
                return "no failure cause reported";
            }
            while (t.getCause() != null && t.getCause() != t) {
                t = t.getCause();
            }
            return t.getMessage();
        } catch (Exception e) {
            return "its failure cause could not be read (" + e + ")";
        }
    }
}
