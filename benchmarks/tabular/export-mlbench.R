# Writes four classification data sets of R's mlbench package (Debian: r-cran-mlbench) as CSV files whose last
# column is the class, for prepare.py. Usage: Rscript export-mlbench.R <folder>
suppressMessages(library(mlbench))
out <- commandArgs(trailingOnly = TRUE)[1]
save <- function(frame, name) {
  write.csv(frame, file.path(out, paste0(name, ".csv")), row.names = FALSE)
}
data(PimaIndiansDiabetes)
save(PimaIndiansDiabetes, "pima")
data(Vowel)
save(Vowel[, -1], "vowel")  # V1 is the speaker, not a measurement
data(LetterRecognition)
save(LetterRecognition[, c(2:17, 1)], "letter")  # the letter first in the source: moved last
data(Sonar)
save(Sonar, "sonar")
