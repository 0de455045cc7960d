#include "logs_api_int.h"
const struct logs_op logs_config_ops[] = {{"_none", NULL, NULL, 0}};
const size_t logs_config_op_count = 0;
