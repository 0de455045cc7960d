/*
 * logs_query.h - the Logs Insights query registry (logs_query.c) as the rest of fluoro sees it:
 * queries live in memory, not in the store, so a reset has to clear them here.
 */
#ifndef LOGS_QUERY_H
#define LOGS_QUERY_H

/* Forgets every Insights query: finished ones are freed, running ones are cancelled and freed
 * by their worker when it stops, so DescribeQueries and GetQueryResults no longer know any of
 * them. Any thread. */
void logs_query_reset(void);

#endif
