/* Compiled loops of the pieces engine (proofs/backends/pieces.py).

   Exact int64 arithmetic: every sum is formed in 128 bits and checked, and a
   unit whose values leave (-2**61, 2**61) is reported, not rounded, so the
   caller forms it with Python ints. Same results as the numpy loops.

   affine:  each output's pieces from its inputs' pieces, by merging their
            piece starts (a scan of the cursors for a small fan-in, a heap
            for a large one) and a running sum of the weighted changes;
            optionally followed by the ReLU, piece by piece.
   shifted: copies of units with their intercepts moved, optionally
            followed by the ReLU.
   The ReLU cuts each piece where a s + b changes sign (s = sI + R / D,
   decided exactly by a binary search) and sets the negative parts to 0.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef __int128 i128;

#define LIMIT ((i128)1 << 61)
#define NONE INT64_MAX

static int fits(i128 v) { return v < LIMIT && v > -LIMIT; }

typedef struct {
    const int64_t *s, *a, *b; /* starts, slopes (NULL: all 0), intercepts */
    int64_t n, i, next;       /* pieces, current piece (-1: before the first), next start */
    int64_t w;
} Cursor;

/* Move a cursor onto its next piece: the weighted changes join the sums. */
static int advance(Cursor *c, i128 *acc_a, i128 *acc_b) {
    int64_t j = c->i + 1;
    i128 da = 0, db = (i128)c->b[j] - (c->i >= 0 ? c->b[c->i] : 0);
    if (c->a) da = (i128)c->a[j] - (c->i >= 0 ? c->a[c->i] : 0);
    int bad = __builtin_add_overflow(*acc_b, db * c->w, acc_b);
    bad |= __builtin_add_overflow(*acc_a, da * c->w, acc_a);
    c->i = j;
    c->next = j + 1 < c->n ? c->s[j + 1] : NONE;
    return bad;
}

static void sift_down(Cursor **h, int64_t n, int64_t k) {
    for (;;) {
        int64_t l = 2 * k + 1, m = k;
        if (l < n && h[l]->next < h[m]->next) m = l;
        if (l + 1 < n && h[l + 1]->next < h[m]->next) m = l + 1;
        if (m == k) return;
        Cursor *t = h[k]; h[k] = h[m]; h[m] = t;
        k = m;
    }
}

/* Whether s_k = sI[k] + R[k] / D lies above qf + r / q (at or above when not strict). */
static int above(const int64_t *sI, const int64_t *R, int64_t D, int64_t k, int64_t qf, int64_t r,
                 int64_t q, int strict) {
    if (sI[k] != qf) return sI[k] > qf;
    i128 lhs = (i128)R[k] * q, rhs = (i128)r * D;
    return strict ? lhs > rhs : lhs >= rhs;
}

/* First position in [lo, hi) past the sign change of a s + b (a != 0), hi if none:
   with a > 0 the first where a s + b > 0, with a < 0 the first where a s + b <= 0. */
static int64_t cut(const int64_t *sI, const int64_t *R, int64_t D, int64_t a, int64_t b, int64_t lo,
                   int64_t hi) {
    int strict = a > 0;
    int64_t q = a > 0 ? a : -a, p = a > 0 ? -b : b;
    int64_t qf = p / q, r = p % q;
    if (r < 0) { qf -= 1; r += q; }
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (above(sI, R, D, mid, qf, r, q, strict)) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

/* Pieces written one unit at a time: equal neighbours merged, slopes kept only if wanted. */
typedef struct {
    int64_t *s, *a, *b;        /* where the unit's pieces go (a NULL: slopes not kept) */
    int64_t count, last_a, last_b;
    int sloped;
    const int64_t *sI, *R;     /* the line, for the ReLU (sI NULL: no ReLU) */
    int64_t D, K;
} Out;

static void put(Out *o, int64_t pos, int64_t a, int64_t b) {
    if (o->count && a == o->last_a && b == o->last_b) return;
    o->last_a = a;
    o->last_b = b;
    o->s[o->count] = pos;
    if (o->a) o->a[o->count] = a;
    o->b[o->count] = b;
    if (a) o->sloped = 1;
    o->count++;
}

/* The piece a s + b on positions [start, end), after the ReLU when the writer applies it. */
static void piece(Out *o, int64_t start, int64_t end, int64_t a, int64_t b) {
    if (!o->sI) {
        put(o, start, a, b);
    } else if (a == 0) {
        put(o, start, 0, b > 0 ? b : 0);
    } else {
        int64_t c = cut(o->sI, o->R, o->D, a, b, start, end);
        int on_left = a < 0;
        if (c > start) put(o, start, on_left ? a : 0, on_left ? b : 0);
        if (c < end) put(o, c, on_left ? 0 : a, on_left ? 0 : b);
    }
}

/* One output into o (from o->s etc.); returns its pieces' count, or -1 if a value does not fit. */
static int64_t merge_one(Cursor *cur, int64_t f, int64_t bias, Cursor **heap, Out *o) {
    i128 acc_a = 0, acc_b = bias;
    int64_t pos = 0, start = 0, pre_a = 0, pre_b = 0, K = o->K;
    int bad = 0, use_heap = f > 8, first = 1;
    int64_t hn = 0;
    if (use_heap) {
        for (int64_t j = 0; j < f; j++) heap[hn++] = &cur[j];
        for (int64_t k = hn / 2 - 1; k >= 0; k--) sift_down(heap, hn, k);
    }
    for (;;) {
        if (use_heap) {
            while (hn && heap[0]->next == pos) {
                bad |= advance(heap[0], &acc_a, &acc_b);
                sift_down(heap, hn, 0);
            }
        } else {
            for (int64_t j = 0; j < f; j++)
                if (cur[j].next == pos) bad |= advance(&cur[j], &acc_a, &acc_b);
        }
        if (bad || !fits(acc_a) || !fits(acc_b)) return -1;
        if (first || (int64_t)acc_a != pre_a || (int64_t)acc_b != pre_b) {
            if (!first) piece(o, start, pos, pre_a, pre_b);
            first = 0;
            start = pos;
            pre_a = (int64_t)acc_a;
            pre_b = (int64_t)acc_b;
        }
        int64_t nxt = NONE;
        if (use_heap) {
            if (hn) nxt = heap[0]->next;
        } else {
            for (int64_t j = 0; j < f; j++)
                if (cur[j].next < nxt) nxt = cur[j].next;
        }
        if (nxt >= K) {
            piece(o, start, K, pre_a, pre_b);
            return o->count;
        }
        pos = nxt;
    }
}

typedef struct { Py_buffer view; int held; } Buf;

static int get(PyObject *obj, Buf *b, int writable, Py_ssize_t need) {
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, &b->view, flags) < 0) return -1;
    b->held = 1;
    if (b->view.itemsize != 8 || b->view.len < need * 8) {
        PyErr_SetString(PyExc_ValueError, "expected an int64 array of the right length");
        return -1;
    }
    return 0;
}

static void release(Buf *bufs, int n) {
    for (int i = 0; i < n; i++)
        if (bufs[i].held) PyBuffer_Release(&bufs[i].view);
}

#define I64(k) ((int64_t *)bufs[k].view.buf)

/* affine(eptr, sp, ap, bp, cnt, w, bias, sI, R, D, out_s, out_a, out_b, out_ptr, status) -> sloped

   Output o reads edges eptr[o]:eptr[o+1]; edge e is the unit whose pieces
   are cnt[e] int64 values at addresses sp[e], ap[e] (0: no slopes), bp[e],
   with weight w[e]. Output o's pieces go to out_*[out_ptr[o]:out_ptr[o+1]],
   out_ptr[o+1] - out_ptr[o] = 0 and status[o] = 1 when a value does not fit.
   sI and R (length K) are the line; with D > 0 the ReLU is applied too.
   The outputs need room for sum(cnt) + n_out pieces, twice that with the
   ReLU and slopes; when no edge has slopes, out_a is not written (the
   result then has none). */
static PyObject *affine(PyObject *self, PyObject *args) {
    PyObject *o[14];
    long long D;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOLOOOOO", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6], &o[7],
                          &o[8], &D, &o[9], &o[10], &o[11], &o[12], &o[13]))
        return NULL;
    Buf bufs[14];
    memset(bufs, 0, sizeof bufs);
    PyObject *result = NULL;
    Cursor *cur = NULL;
    Cursor **heap = NULL;
    if (get(o[0], &bufs[0], 0, 1) < 0) goto done;
    int64_t n_out = bufs[0].view.len / 8 - 1;
    if (get(o[1], &bufs[1], 0, 0) < 0) goto done;
    int64_t n_edges = bufs[1].view.len / 8;
    for (int k = 2; k < 6; k++)
        if (get(o[k], &bufs[k], 0, n_edges) < 0) goto done;
    if (get(o[6], &bufs[6], 0, n_out) < 0) goto done;
    if (get(o[7], &bufs[7], 0, 1) < 0) goto done;
    int64_t K = bufs[7].view.len / 8;
    if (get(o[8], &bufs[8], 0, K) < 0) goto done;
    if (get(o[12], &bufs[12], 1, n_out + 1) < 0) goto done;
    int64_t cap = n_out;
    int any_a = 0;
    for (int64_t e = 0; e < n_edges; e++) {
        cap += I64(4)[e];
        any_a |= I64(2)[e] != 0;
    }
    if (D > 0 && any_a) cap *= 2;  /* a ReLU cuts sloped pieces in two at most */
    for (int k = 9; k < 12; k++)
        if (get(o[k], &bufs[k], 1, cap) < 0) goto done;
    if (PyObject_GetBuffer(o[13], &bufs[13].view, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0) goto done;
    bufs[13].held = 1;
    if (bufs[13].view.len < n_out) {
        PyErr_SetString(PyExc_ValueError, "status needs a byte per output");
        goto done;
    }
    int64_t fmax = 1;
    for (int64_t j = 0; j < n_out; j++)
        if (I64(0)[j + 1] - I64(0)[j] > fmax) fmax = I64(0)[j + 1] - I64(0)[j];
    cur = malloc(sizeof(Cursor) * fmax);
    heap = malloc(sizeof(Cursor *) * fmax);
    if (!cur || !heap) {
        PyErr_NoMemory();
        goto done;
    }
    int sloped = 0;
    uint8_t *status = (uint8_t *)bufs[13].view.buf;
    int64_t *ptr = I64(12), at = 0;
    Py_BEGIN_ALLOW_THREADS
    ptr[0] = 0;
    for (int64_t j = 0; j < n_out; j++) {
        int64_t lo = I64(0)[j], f = I64(0)[j + 1] - lo;
        for (int64_t e = 0; e < f; e++) {
            Cursor *c = &cur[e];
            c->s = (const int64_t *)(intptr_t)I64(1)[lo + e];
            c->a = (const int64_t *)(intptr_t)I64(2)[lo + e];
            c->b = (const int64_t *)(intptr_t)I64(3)[lo + e];
            c->n = I64(4)[lo + e];
            c->w = I64(5)[lo + e];
            c->i = -1;
            c->next = c->n ? c->s[0] : NONE;
            if (c->n && c->b[0] == 0 && (!c->a || c->a[0] == 0)) {  /* a first piece 0 changes nothing */
                c->i = 0;
                c->next = c->n > 1 ? c->s[1] : NONE;
            }
        }
        Out out = {I64(9) + at, any_a ? I64(10) + at : NULL, I64(11) + at, 0, 0, 0, 0,
                   D > 0 ? I64(7) : NULL, I64(8), D, K};
        int64_t got = merge_one(cur, f, I64(6)[j], heap, &out);
        sloped |= out.sloped && got >= 0;
        status[j] = got < 0;
        at += got < 0 ? 0 : got;
        ptr[j + 1] = at;
    }
    Py_END_ALLOW_THREADS
    result = PyBool_FromLong(sloped);
done:
    free(cur);
    free(heap);
    release(bufs, 14);
    return result;
}

/* shifted(sp, ap, bp, cnt, shift, sI, R, D, out_s, out_a, out_b, out_ptr, status) -> sloped

   Copies of units (cnt[e] pieces at addresses sp[e], ap[e] (0: no slopes),
   bp[e]) with their intercepts moved by shift[e], after the ReLU when D > 0
   (sI, R: the line). A copy whose values leave (-2**61, 2**61) is left
   empty and marked in status. The outputs need room for sum(cnt) pieces,
   twice that with the ReLU and slopes; out_a is written only when some unit
   has slopes. */
static PyObject *shifted(PyObject *self, PyObject *args) {
    PyObject *o[12];
    long long D;
    if (!PyArg_ParseTuple(args, "OOOOOOOLOOOOO", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6], &D, &o[7],
                          &o[8], &o[9], &o[10], &o[11]))
        return NULL;
    Buf bufs[12];
    memset(bufs, 0, sizeof bufs);
    PyObject *result = NULL;
    if (get(o[0], &bufs[0], 0, 0) < 0) goto done;
    int64_t n = bufs[0].view.len / 8, cap = 0;
    for (int k = 1; k < 5; k++)
        if (get(o[k], &bufs[k], 0, n) < 0) goto done;
    if (get(o[5], &bufs[5], 0, 1) < 0) goto done;
    int64_t K = bufs[5].view.len / 8;
    if (get(o[6], &bufs[6], 0, K) < 0) goto done;
    int any_a = 0;
    for (int64_t e = 0; e < n; e++) {
        cap += I64(3)[e];
        any_a |= I64(1)[e] != 0;
    }
    if (D > 0 && any_a) cap *= 2;
    for (int k = 7; k < 10; k++)
        if (get(o[k], &bufs[k], 1, cap) < 0) goto done;
    if (get(o[10], &bufs[10], 1, n + 1) < 0) goto done;
    if (PyObject_GetBuffer(o[11], &bufs[11].view, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0) goto done;
    bufs[11].held = 1;
    if (bufs[11].view.len < n) {
        PyErr_SetString(PyExc_ValueError, "status needs a byte per unit");
        goto done;
    }
    uint8_t *status = (uint8_t *)bufs[11].view.buf;
    int64_t *optr = I64(10), at = 0;
    int sloped = 0;
    Py_BEGIN_ALLOW_THREADS
    optr[0] = 0;
    for (int64_t e = 0; e < n; e++) {
        const int64_t *s = (const int64_t *)(intptr_t)I64(0)[e], *a = (const int64_t *)(intptr_t)I64(1)[e];
        const int64_t *b = (const int64_t *)(intptr_t)I64(2)[e];
        int64_t c = I64(3)[e], sh = I64(4)[e];
        int ok = 1;
        for (int64_t k = 0; k < c && ok; k++) ok = fits((i128)b[k] + sh);
        status[e] = !ok;
        if (ok) {
            Out out = {I64(7) + at, any_a ? I64(8) + at : NULL, I64(9) + at, 0, 0, 0, 0,
                       D > 0 ? I64(5) : NULL, I64(6), D, K};
            for (int64_t k = 0; k < c; k++)
                piece(&out, s[k], k + 1 < c ? s[k + 1] : K, a ? a[k] : 0, b[k] + sh);
            sloped |= out.sloped;
            at += out.count;
        }
        optr[e + 1] = at;
    }
    Py_END_ALLOW_THREADS
    result = PyBool_FromLong(sloped);
done:
    release(bufs, 12);
    return result;
}

static PyMethodDef methods[] = {
    {"shifted", shifted, METH_VARARGS, "Copies of units held as pieces, intercepts moved (exact int64)."},
    {"affine", affine, METH_VARARGS, "An affine map of units held as pieces (exact int64)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_kernels", "Compiled loops of the pieces engine.",
                                    -1, methods};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
