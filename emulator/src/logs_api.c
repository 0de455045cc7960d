/*
 * logs_api.c - CloudWatch Logs operations (awsJson1.1, reference/logs-api.md), dispatched on the
 * X-Amz-Target header. HTTP threads; every error goes through aws_err_awsjson().
 */
#include <string.h>

#include "aws.h"
#include "routes.h"

void logs_api_dispatch(struct http_request *req, struct http_reply *rep)
{
    aws_err_awsjson(rep, 400, "UnknownOperationException", "Unknown operation %s",
                    req->target ? req->target : "(no X-Amz-Target header)");
}
