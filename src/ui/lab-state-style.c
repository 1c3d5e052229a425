/* lab-state-style.c — the colours and patterns of "where the time went"
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Colours from the GNOME (Adwaita) palette, chosen for a contrast of about
 * 3:1 or more against both the light and the dark background, so they need
 * no second set for the dark style.  Colour alone does not tell states
 * apart for a colour-blind viewer or on a washed-out projector: every wait
 * also gets a pattern of its own (dots, hatching one way or the other,
 * cross-hatching, stripes), drawn as a small tile repeated over the piece.
 * Computing and "other" stay plain: a bar reads as "solid = working".
 */

#define G_LOG_DOMAIN "lab-state-style"

#include "config.h"

#include "lab-state-style.h"
#include "lab-states.h"

#define TILE 8

typedef enum
{
  PATTERN_NONE,
  PATTERN_DOTS,
  PATTERN_DIAGONAL_DOWN,
  PATTERN_DIAGONAL_UP,
  PATTERN_CROSS,
  PATTERN_VERTICAL,
  PATTERN_HORIZONTAL,
  N_PATTERNS
} Pattern;

static const struct {
  const char *color;
  Pattern     pattern;
} styles[LAB_N_STATES] = {
  [LAB_STATE_COMPUTE] = { "#26a269", PATTERN_NONE },           /* green 5 */
  [LAB_STATE_RUNQUEUE] = { "#e66100", PATTERN_DOTS },          /* orange 4 */
  [LAB_STATE_GIL] = { "#c061cb", PATTERN_DIAGONAL_DOWN },      /* purple 2 */
  [LAB_STATE_LOCK] = { "#b5835a", PATTERN_CROSS },             /* brown 2 */
  [LAB_STATE_IO] = { "#3584e4", PATTERN_DIAGONAL_UP },         /* blue 3 */
  [LAB_STATE_TRANSFER] = { "#77767b", PATTERN_VERTICAL },      /* dark 1 */
  [LAB_STATE_STARTUP] = { "#986a44", PATTERN_HORIZONTAL },     /* brown 3 */
  [LAB_STATE_OTHER] = { "#9a9996", PATTERN_NONE },             /* light 5 */
};

static GdkRGBA colors[LAB_N_STATES];
static GdkTexture *tiles[N_PATTERNS];

/* A state this file does not know yet (added to lab-states.h later) is
 * drawn as "other" with dots, so it shows and is not mistaken for work. */
static void
ensure_colors (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      for (guint i = 0; i < LAB_N_STATES; i++)
        if (!gdk_rgba_parse (&colors[i], styles[i].color != NULL ? styles[i].color : "#9a9996"))
          g_assert_not_reached ();
      g_once_init_leave (&done, 1);
    }
}

static Pattern
pattern_of (guint state)
{
  if (state >= LAB_N_STATES)
    return PATTERN_DOTS;
  if (styles[state].color == NULL)
    return PATTERN_DOTS;
  return styles[state].pattern;
}

/* The pattern's 8×8 tile: dark lines at a third of opacity, which show on
 * every colour of the palette. */
static GdkTexture *
make_tile (Pattern pattern)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, TILE, TILE);
  cairo_t *cr = cairo_create (surface);
  g_autoptr(GBytes) bytes = NULL;
  GdkTexture *texture;

  cairo_set_source_rgba (cr, 0, 0, 0, 0.38);
  cairo_set_line_width (cr, 1.5);
  switch (pattern)
    {
    case PATTERN_DOTS:
      cairo_rectangle (cr, 1, 1, 2.5, 2.5);
      cairo_rectangle (cr, 5, 5, 2.5, 2.5);
      cairo_fill (cr);
      break;
    case PATTERN_DIAGONAL_DOWN:
    case PATTERN_CROSS:
      /* Drawn past the corners, so that the tiles join into lines. */
      cairo_move_to (cr, -2, -2);
      cairo_line_to (cr, TILE + 2, TILE + 2);
      cairo_move_to (cr, -2, TILE - 2);
      cairo_line_to (cr, 2, TILE + 2);
      cairo_move_to (cr, TILE - 2, -2);
      cairo_line_to (cr, TILE + 2, 2);
      if (pattern == PATTERN_DIAGONAL_DOWN)
        break;
      G_GNUC_FALLTHROUGH;
    case PATTERN_DIAGONAL_UP:
      cairo_move_to (cr, -2, TILE + 2);
      cairo_line_to (cr, TILE + 2, -2);
      cairo_move_to (cr, -2, 2);
      cairo_line_to (cr, 2, -2);
      cairo_move_to (cr, TILE - 2, TILE + 2);
      cairo_line_to (cr, TILE + 2, TILE - 2);
      break;
    case PATTERN_VERTICAL:
      cairo_rectangle (cr, 0, 0, 2, TILE);
      cairo_rectangle (cr, TILE / 2, 0, 2, TILE);
      cairo_fill (cr);
      break;
    case PATTERN_HORIZONTAL:
      cairo_rectangle (cr, 0, 1, TILE, 2);
      cairo_rectangle (cr, 0, 5, TILE, 2);
      cairo_fill (cr);
      break;
    case PATTERN_NONE:
    case N_PATTERNS:
    default:
      break;
    }
  cairo_stroke (cr);
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  bytes = g_bytes_new (cairo_image_surface_get_data (surface),
                       (gsize) cairo_image_surface_get_stride (surface) * TILE);
  /* Cairo's ARGB32 is premultiplied B8G8R8A8 in memory on little-endian
   * machines, GDK_MEMORY_DEFAULT on every machine. */
  texture = gdk_memory_texture_new (TILE, TILE, GDK_MEMORY_DEFAULT, bytes,
                                    cairo_image_surface_get_stride (surface));
  cairo_surface_destroy (surface);
  return texture;
}

const GdkRGBA *
lab_state_style_get_color (guint state)
{
  ensure_colors ();
  return &colors[MIN (state, LAB_N_STATES - 1)];
}

/* Whether @state is a wait (drawn with a pattern). */
gboolean
lab_state_style_is_wait (guint state)
{
  return pattern_of (state) != PATTERN_NONE;
}

/* @rect filled as @state: its colour, and its pattern where it is wide
 * enough to be seen.  The tiles line up with the snapshot's origin, so
 * neighbouring pieces of one wait join. */
void
lab_state_style_append (GtkSnapshot           *snapshot,
                        guint                  state,
                        const graphene_rect_t *rect)
{
  Pattern pattern = pattern_of (state);

  gtk_snapshot_append_color (snapshot, lab_state_style_get_color (state), rect);
  if (pattern == PATTERN_NONE || rect->size.width < 3 || rect->size.height < 3)
    return;

  if (tiles[pattern] == NULL)
    tiles[pattern] = make_tile (pattern);
  gtk_snapshot_push_repeat (snapshot, rect, &GRAPHENE_RECT_INIT (0, 0, TILE, TILE));
  gtk_snapshot_append_texture (snapshot, tiles[pattern], &GRAPHENE_RECT_INIT (0, 0, TILE, TILE));
  gtk_snapshot_pop (snapshot);
}
