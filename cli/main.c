#include "common.h"
#include <stdio.h>
int main(void) { puts("pwpkg"); return 0; }
