/*
 * trace_facts_int.h - the packed trace_view format constants shared by its encoder
 * (trace_facts.c, where the format is described) and its decoder (trace_facts_decode.c).
 */
#ifndef TRACE_FACTS_INT_H
#define TRACE_FACTS_INT_H

/* The first byte of every packed view. */
#define TRACE_FACTS_VERSION 3

/* The tag byte before each value. */
enum tf_tag { TF_TAG_NONE, TF_TAG_FALSE, TF_TAG_TRUE, TF_TAG_NUM, TF_TAG_STR, TF_TAG_SPAN };

#endif
