# Warning flags, in one place. -Werror is the project rule, not an option.
set(MEMSNAP_WARNINGS
  -Wall -Wextra -Werror
  -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith
  -Wformat=2 -Wundef -Wvla)

# Applied to every target we define through this function.
function(memsnap_warnings target)
  target_compile_options(${target} PRIVATE ${MEMSNAP_WARNINGS})
endfunction()
