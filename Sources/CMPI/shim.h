#ifndef SPINDLE_CMPI_SHIM_H
#define SPINDLE_CMPI_SHIM_H
// Open MPI (Debian: libopenmpi-dev) for runs that span processes and machines.
//
// Swift cannot use MPI's handles directly: in Open MPI, MPI_COMM_WORLD, the datatypes and the reduction
// operations are macros over the addresses of global structs. These wrappers take and return plain C
// types, always on MPI_COMM_WORLD, and move bytes (MPI_BYTE) or unsigned 64-bit integers only.
#include <mpi.h>
#include <stdint.h>
#include <stdlib.h>

/// Initialises MPI for calls from one thread at a time (MPI_THREAD_SERIALIZED); returns the level given.
static inline int spindle_mpi_init(void) {
    int provided = 0;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) return -1;
    return provided;
}
static inline int spindle_mpi_thread_serialized(void) { return MPI_THREAD_SERIALIZED; }
static inline int spindle_mpi_initialized(void) { int flag = 0; MPI_Initialized(&flag); return flag; }
static inline int spindle_mpi_finalized(void) { int flag = 0; MPI_Finalized(&flag); return flag; }
static inline void spindle_mpi_finalize(void) { MPI_Finalize(); }
static inline void spindle_mpi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }
static inline int spindle_mpi_rank(void) { int r = 0; MPI_Comm_rank(MPI_COMM_WORLD, &r); return r; }
static inline int spindle_mpi_size(void) { int s = 1; MPI_Comm_size(MPI_COMM_WORLD, &s); return s; }
static inline void spindle_mpi_barrier(void) { MPI_Barrier(MPI_COMM_WORLD); }

/// The library's version string ("Open MPI v4.1.4, ...") into `out`; returns its length.
static inline int spindle_mpi_library_version(char *out, int capacity) {
    char buffer[MPI_MAX_LIBRARY_VERSION_STRING];
    int length = 0;
    MPI_Get_library_version(buffer, &length);
    int n = length < capacity - 1 ? length : capacity - 1;
    for (int i = 0; i < n; i++) out[i] = buffer[i];
    out[n] = 0;
    return n;
}

/// Every rank sends `per_rank` 64-bit words to every rank (`send` holds size x per_rank words).
static inline void spindle_mpi_alltoall_u64(const uint64_t *send, uint64_t *recv, int per_rank) {
    MPI_Alltoall(send, per_rank, MPI_UINT64_T, recv, per_rank, MPI_UINT64_T, MPI_COMM_WORLD);
}

/// Minimum / maximum / sum of one 64-bit word over all ranks.
static inline uint64_t spindle_mpi_allreduce_min_u64(uint64_t value) {
    uint64_t out = value;
    MPI_Allreduce(&value, &out, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
    return out;
}
static inline uint64_t spindle_mpi_allreduce_max_u64(uint64_t value) {
    uint64_t out = value;
    MPI_Allreduce(&value, &out, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    return out;
}

/// Every rank's one word, in rank order, on every rank.
static inline void spindle_mpi_allgather_u64(uint64_t value, uint64_t *out) {
    MPI_Allgather(&value, 1, MPI_UINT64_T, out, 1, MPI_UINT64_T, MPI_COMM_WORLD);
}

/// Every rank's bytes, concatenated in rank order, on every rank.
static inline void spindle_mpi_allgatherv_bytes(
    const void *send, int count, void *recv, const int *counts, const int *displacements) {
    MPI_Allgatherv(send, count, MPI_BYTE, recv, counts, displacements, MPI_BYTE, MPI_COMM_WORLD);
}

static inline void spindle_mpi_bcast_bytes(void *buffer, int count, int root) {
    MPI_Bcast(buffer, count, MPI_BYTE, root, MPI_COMM_WORLD);
}

/// Point-to-point exchange of byte blocks: rank r sends send_counts[d] bytes at send + send_offsets[d] to
/// each rank d and receives recv_counts[s] bytes from each rank s at recv + recv_offsets[s]. Only non-empty
/// blocks are posted (Irecv before Isend), then all are completed. Returns 0, or -1 when out of memory.
static inline int spindle_mpi_sparse_exchange(
    const uint8_t *send, const int *send_counts, const int64_t *send_offsets,
    uint8_t *recv, const int *recv_counts, const int64_t *recv_offsets, int tag) {
    int size = spindle_mpi_size();
    MPI_Request *requests = (MPI_Request *)malloc(sizeof(MPI_Request) * 2 * (size_t)size);
    if (requests == NULL) return -1;
    int n = 0;
    for (int s = 0; s < size; s++) {
        if (recv_counts[s] > 0)
            MPI_Irecv(recv + recv_offsets[s], recv_counts[s], MPI_BYTE, s, tag, MPI_COMM_WORLD, &requests[n++]);
    }
    for (int d = 0; d < size; d++) {
        if (send_counts[d] > 0)
            MPI_Isend(send + send_offsets[d], send_counts[d], MPI_BYTE, d, tag, MPI_COMM_WORLD, &requests[n++]);
    }
    MPI_Waitall(n, requests, MPI_STATUSES_IGNORE);
    free(requests);
    return 0;
}

/// Blocking sends and receives for the sweep's point hand-out.
static inline void spindle_mpi_send_bytes(const void *buffer, int count, int destination, int tag) {
    MPI_Send(buffer, count, MPI_BYTE, destination, tag, MPI_COMM_WORLD);
}
/// Whether a message with `tag` from any rank is waiting; if so sets its source and size in bytes.
static inline int spindle_mpi_iprobe_any(int tag, int *source, int *count) {
    MPI_Status status;
    int flag = 0;
    MPI_Iprobe(MPI_ANY_SOURCE, tag, MPI_COMM_WORLD, &flag, &status);
    if (flag) {
        *source = status.MPI_SOURCE;
        MPI_Get_count(&status, MPI_BYTE, count);
    }
    return flag;
}
static inline void spindle_mpi_recv_bytes(void *buffer, int count, int source, int tag) {
    MPI_Recv(buffer, count, MPI_BYTE, source, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}
#endif
