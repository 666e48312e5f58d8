# The warning set of CONVENTIONS.md section 13, applied to every target.
# _POSIX_C_SOURCE is said once here; a file that needs more says so itself.
add_compile_definitions(_POSIX_C_SOURCE=200809L)
add_compile_options(-Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes
                    -Wmissing-prototypes -Wvla -Wtype-limits -Wno-unused-parameter)
if(TAMIS_WERROR)
  add_compile_options(-Werror)
endif()
