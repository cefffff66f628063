/* orient: stores an upright picture as it would come out of a camera held another way. Writes
 * OUT, a JPEG whose pixels are IN transformed by the inverse of EXIF orientation N (1-8) and whose
 * EXIF says N, so that a viewer that applies the orientation shows IN again; N = 0 writes IN with
 * no orientation tag at all. It checks the result with libvips' own vips_autorot before saving.
 * Used by make-testdata.sh: cc orient.c $(pkg-config --cflags --libs vips). */
#include <stdio.h>
#include <stdlib.h>
#include <vips/vips.h>

/* The inverse of what a viewer does for orientation n. */
static int store_as(VipsImage *in, VipsImage **out, int n)
{
    switch (n) {
    case 2:
        return vips_flip(in, out, VIPS_DIRECTION_HORIZONTAL, NULL);
    case 3:
        return vips_rot(in, out, VIPS_ANGLE_D180, NULL);
    case 4:
        return vips_flip(in, out, VIPS_DIRECTION_VERTICAL, NULL);
    case 5: { /* transpose: its own inverse */
        VipsImage *r;
        int rc = vips_rot(in, &r, VIPS_ANGLE_D90, NULL) ||
                 vips_flip(r, out, VIPS_DIRECTION_HORIZONTAL, NULL);
        g_object_unref(r);
        return rc;
    }
    case 6:
        return vips_rot(in, out, VIPS_ANGLE_D270, NULL);
    case 7: { /* transverse: its own inverse */
        VipsImage *r;
        int rc = vips_rot(in, &r, VIPS_ANGLE_D270, NULL) ||
                 vips_flip(r, out, VIPS_DIRECTION_HORIZONTAL, NULL);
        g_object_unref(r);
        return rc;
    }
    case 8:
        return vips_rot(in, out, VIPS_ANGLE_D90, NULL);
    default:
        return vips_copy(in, out, NULL);
    }
}

int main(int argc, char **argv)
{
    if (argc != 4 || VIPS_INIT(argv[0]))
        return fprintf(stderr, "usage: orient IN OUT N\n"), 2;
    int n = atoi(argv[3]);
    VipsImage *in = vips_image_new_from_file(argv[1], "access", VIPS_ACCESS_RANDOM, NULL);
    VipsImage *stored, *mem, *back;
    double diff;
    if (in == NULL || store_as(in, &stored, n) || !(mem = vips_image_copy_memory(stored)))
        vips_error_exit(NULL);
    if (n > 0)
        vips_image_set_int(mem, VIPS_META_ORIENTATION, n);
    else
        vips_image_remove(mem, VIPS_META_ORIENTATION);
    VipsImage *d, *a;
    if (vips_autorot(mem, &back, NULL) || vips_subtract(back, in, &d, NULL) ||
        vips_abs(d, &a, NULL) || vips_max(a, &diff, NULL))
        vips_error_exit(NULL);
    if (diff != 0)
        return fprintf(stderr, "orient: orientation %d does not come back upright\n", n), 1;
    /* Orientation 0: no EXIF at all (libvips would otherwise write the tag as 1). */
    if (vips_jpegsave(mem, argv[2], "Q", 85, "strip", n == 0, NULL))
        vips_error_exit(NULL);
    return 0;
}
