/* lab-presentation.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Where a lesson stands in front of the class. */
typedef enum
{
  LAB_CLASS_EXPLANATION,   /* the card's text only */
  LAB_CLASS_PREDICT,       /* …and the question: the class guesses */
  LAB_CLASS_RUN,           /* …and the steps as they are measured */
  LAB_CLASS_VERDICT,       /* …and the verdict */
} LabClassStage;

#define LAB_PRESENTATION_MIN_SCALE 1.0
#define LAB_PRESENTATION_MAX_SCALE 3.0

#define LAB_TYPE_PRESENTATION (lab_presentation_get_type ())

G_DECLARE_FINAL_TYPE (LabPresentation, lab_presentation, LAB, PRESENTATION, GObject)

LabPresentation *lab_presentation_new            (GtkWindow       *window,
                                                  AdwFlap         *flap,
                                                  GtkWidget       *content,
                                                  GtkWidget       *blank,
                                                  GtkWidget       *lesson_card,
                                                  GSettings       *settings);
gboolean         lab_presentation_get_presenting (LabPresentation *self);
void             lab_presentation_set_presenting (LabPresentation *self,
                                                  gboolean         presenting);
double           lab_presentation_get_scale      (LabPresentation *self);
LabClassStage         lab_presentation_get_stage      (LabPresentation *self);
gboolean         lab_presentation_get_blanked    (LabPresentation *self);
gboolean         lab_presentation_key            (LabPresentation *self,
                                                  guint            keyval,
                                                  GdkModifierType  state);
void             lab_presentation_resized        (LabPresentation *self,
                                                  int              width,
                                                  int              height);
double           lab_presentation_fit_for_size   (int              width,
                                                  int              height);

G_END_DECLS
