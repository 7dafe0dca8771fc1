"""Name lists for the independent generator, written for this evaluation (not taken from the project).

Order is roughly by commonness in England and Wales; the generator weights by rank (Zipf-Mandelbrot),
so only the order matters, not exact counts.
"""

MALE = """
Oliver George Harry Jack Noah Charlie Jacob Thomas Oscar William James Leo Alfie Henry Joshua Freddie Archie
Ethan Isaac Alexander Joseph Edward Samuel Max Logan Lucas Daniel Theo Arthur Mohammed Harrison Benjamin Mason
Sebastian Finley Adam Dylan Zachary Riley Teddy Theodore David Elijah Jake Toby Louie Reuben Arlo Hugo Luca
Jaxon Matthew Harvey Reggie Michael Harley Jude Albert Tommy Luke Stanley Jenson Frankie Jayden Gabriel Elliot
Mohammad Ronnie Charles Louis Elliott Frederick Nathan Lewis Blake Rory Ollie Ryan Tyler Jackson Dexter Ralph
Caleb Jasper Carter Hunter Kai Ezra Bobby Alex Ben Robert Jamie Aaron Callum Kyle Liam Connor Kieran Bradley
John Paul Mark Andrew Richard Stephen Christopher Anthony Peter Kevin Gary Ian Simon Darren Neil Lee Craig Jason
Wayne Dean Martin Stuart Shaun Carl Scott Philip Colin Keith Brian Graham Alan Trevor Barry Nigel Terence
Derek Dennis Roy Kenneth Raymond Malcolm Geoffrey Gordon Leslie Norman Ronald Donald Frank Roger Clive Howard
Gerald Eric Ernest Harold Walter Albert Sidney Leonard Reginald Cyril Stanley Herbert Arnold Victor Douglas
Timothy Jonathan Nicholas Gregory Jeremy Adrian Russell Dominic Marcus Gavin Glenn Julian Vincent Rodney
Duncan Hugh Rupert Giles Tristan Damian Jordan Joel Owen Ewan Cameron Declan Kian Aiden Brandon Reece Bailey
Tyrone Jermaine Dale Ashley Gareth Rhys Dafydd Rhodri Gethin Iwan Sion Seán Ciaran Patrick Sean Eoin Niall
Fergus Hamish Alistair Angus Murray Euan Finlay Ahmed Ali Hassan Hussain Imran Omar Yusuf Ibrahim Zain Bilal
Usman Hamza Ayaan Arjun Rohan Ravi Sanjay Vijay Amit Rajesh Deepak Harpreet Gurpreet Jaskaran Manpreet
Kwame Kofi Emmanuel Tobias Felix Rafael José Mateo Marco Luka Łukasz Michał Paweł Jakub Tomasz Piotr Kacper
Wojciech Mateusz Krzysztof Andrei Bogdan Florin Ionut Darius Arran Aled Bryn Idris Kenzie Rowan Sonny Otis
Ellis Jesse Alfred Billy Roman Jax Milo Ezekiel Hudson Zayn Musa Aryan Eli Nico Cody Brody Corey Lewis
Mitchell Ross Ricky Warren Lloyd Clifford Wilfred Bernard Cecil Horace Percy Maurice Lionel Rex Vernon Gilbert
""".split()

FEMALE = """
Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Willow Freya Florence Emily Ella Poppy Evie
Elsie Charlotte Evelyn Sienna Sofia Daisy Phoebe Sophie Alice Harper Matilda Ruby Emilia Maya Isabelle Millie
Esme Eva Bonnie Ellie Hallie Luna Maisie Layla Jessica Darcie Eliza Hannah Lucy Chloe Erin Thea Molly Holly
Imogen Nancy Zara Scarlett Violet Ada Ayla Maryam Orla Aria Lottie Penelope Heidi Margot Iris Elizabeth
Margaret Mary Patricia Susan Linda Karen Sarah Julie Helen Jennifer Nicola Claire Michelle Lisa Amanda
Rachel Emma Laura Rebecca Katherine Catherine Kathryn Jacqueline Christine Gillian Deborah Tracey Joanne Louise
Samantha Kelly Gemma Stacey Kirsty Danielle Natalie Victoria Stephanie Jodie Charlene Leanne Hayley Kerry
Donna Dawn Sharon Angela Beverley Wendy Lorraine Debra Janet Pauline Carol Valerie Sandra Jean Joan Dorothy
Doreen Betty Barbara Sheila Shirley Brenda Maureen Irene Kathleen Eileen Marjorie Audrey Joyce Hilda Edna
Vera Winifred Mildred Gladys Ethel Ivy Elsie Lilian Phyllis Beryl Muriel Mabel Rita June Heather Yvonne Diane
Ann Anne Anna Annie Jane Jean Judith Frances Alison Fiona Caroline Jennie Tina Andrea Paula Kim Elaine Lesley
Teresa Gail Jill Carole Sally Zoe Zoë Chloë Renée Siân Anaïs Rhiannon Ffion Cerys Bethan Megan Seren Niamh Aoife
Siobhan Roisin Ciara Eilidh Morag Catriona Kirsten Shona Aisha Fatima Zainab Khadija Amina Hafsa Sana Ayesha
Nadia Yasmin Priya Anjali Sunita Deepa Kiran Harleen Simran Jaspreet Amrit Gurleen Abena Ama Esi Grace Blessing
Precious Małgorzata Agnieszka Katarzyna Zuzanna Natalia Aleksandra Magdalena Joanna Monika Ioana Elena
Andreea Alexandra Abigail Amber Bethany Eleanor Georgia Harriet Jasmine Katie Leah Madison Naomi Paige
Rebekah Skye Tia Tilly Summer Amy Jade Becky Kayleigh Shannon Courtney Chelsea Demi Jordan Kimberley Natasha
Tanya Toni Vicky Abbie Alicia Alexa Bella Caitlin Cara Clara Connie Edith Elise Emilie Faith Gracie Hope
Jessie Josephine Julia Lara Lola Mabel Maria Martha Mollie Nell Nina Pippa Robyn Rose Rosa Sadie Stella Tess
Beatrice Marion Rosemary Hazel Sylvia Olive Edith Gwendoline Norah Ivy Gwen Mavis Enid Agnes Violet Constance
""".split()

SURNAMES = """
Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright Walker
White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill Ward Morris
Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price Bennett Young
Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan
Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali
Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher
Stevens Jenkins Murray Dixon Harvey Graham Pearson Ahmed Fletcher Walsh Kaur Gibson Howard Andrews Stewart
Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks West Lawrence Cole Atkinson Bradley Spencer Gill
Dawson Ball Burton O'Brien Watts Rose Booth Perry Ryan Grant Wells Armstrong Francis Rees Hayes Hart Hudson
Newman Barrett Webster Hunter Gregory Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry Stone Reid Holland
Hawkins Harding Porter Robertson Newton Oliver Reed Kennedy Williamson Bird Gardner Shah Dean Lane Cooke
Bates Henderson Parry Burgess Bishop Walton Burns Nicholson Shepherd Ross Cross Long Freeman Warren Nicholls
Hamilton Byrne Sutton McDonald Yates Hodgson Robson Curtis Hopkins O'Connor Harper Coleman Watkins Moss
McCarthy Chambers O'Neill Griffin Sharp Hardy Wheeler Potter Osborne Johnston Gordon Doyle Wallace George
Jordan Hutchinson Rowe Burke May Pritchard Gilbert Willis Higgins Read Miles Stevenson Stephenson Hammond
Arnold Buckley Walters Hewitt Barber Nelson Slater Austin Sullivan Whitehead Mann Frost Lambert Stephens
Blake Akhtar Lynch Goodwin Barton Woodward Thomson Cunningham Quinn Barnett Baxter Bibi Clayton Nash
Greenwood Jennings Holt Kemp Poole Gallagher Bond Stokes Tucker Davidson Fowler Heath Norman Middleton
Lawson Banks French Stanley Jarvis Gibbs Ferguson Hayward Carroll Douglas Hickman Nowak Kowalski Wiśniewski
Wójcik Kozłowski Kamiński Lewandowski Zieliński Szymański Dąbrowski Popescu Ionescu Mensah Okafor Adeyemi
Owusu Boateng Mahmood Iqbal Rahman Chowdhury Miah Uddin Sharma Kumar Gupta Mistry Chauhan Sandhu Dhillon
Bains Johal Sidhu Malik Aziz Bashir Riaz Nazir Sadiq Nguyen Tran Chen Wang Li Zhang Wong Leung Chan Yeung
Hollins Plant Salt Bloor Beech Boulton Cope Degg Goodall Hulme Lovatt Mountford Podmore Rhead Sherratt
Tunnicliffe Wedgwood Bagnall Bostock Brindley Cartlidge Dale Forrester Gater Heath Jervis Keeling Leese Machin
Mellor Ratcliffe Shenton Stubbs Tams Unwin Whalley Alcock Bailey-Smith Dawes Eardley Finney Goldstraw Hancock
Ikin Jolley Kirkham Mayer Nixon Oakes Poulson Rigby Salmon Tatton Upton Vernon Wain Yearsley Bagley Benson
Capewell Dutton Hammersley Hassall Lockett Mayers Moston Pointon Proctor Skerratt Smith-Jones Taylor-Brown
Harding-Wood Price-Evans Fox-Davies Lloyd-Webber Holmes-Walker Bennett-Clarke Ashton-Hughes Baker-Price
D'Souza D'Arcy O'Sullivan O'Reilly O'Donnell O'Hara O'Leary O'Shea O'Toole McGuinness MacLeod McKenzie
McLaughlin Fitzgerald Fitzpatrick De_Souza Van_Dyke Le_Roux Du_Plessis St_John Ap_Rhys Mcintyre McNally
Ashworth Atherton Barlow Beresford Birch Blackburn Bloomfield Bowers Bradshaw Brennan Bridges Broadhurst
Buckingham Bullock Cartwright Chadwick Charlton Clements Connolly Corbett Crawford Crowther Dalton Davenport
Dobson Donnelly Duffy Eaton Emery Farmer Farrell Fenton Finch Fleming Flynn Garner Goddard Gould Greaves
Hale Hancox Hargreaves Hartley Hobbs Horton Howell Hughes-Jones Humphreys Hurst Ingram Jacobs Kent Kirby Knowles
Lamb Leach Lord Lucas Lyons Marriott Metcalfe Moran Morley Naylor Norris Oakley Parkes Parkinson Peacock
""".split()

# Rare-tail surnames are built from these parts (Ashford, Blackley, Thornhurst...), so that most people do not
# carry one of the few hundred common names, as in the real population.
SURNAME_HEADS = """Ash Black Brad Broad Brook Cald Chester Cliff Cot Cran Dal Den Dun East Elm Fair Fern Gold Green
Hat Haw Hay High Holl Kirk Lang Lid Long Mar Mid Mill Moor New North Oak Pen Red Ridge Rock Ross Roth Rush Sand
Shel Staf Stan Stock Ston Sut Thorn Tun Wad Wake Wal West Whit Wil Win Wood Wor Yar""".split()
SURNAME_TAILS = """ford ley ton field worth hurst wood by well stead bury combe dale ham more wick ridge land lake
cliffe shaw thorpe burn well brook""".split()

# Given-name diminutives the council might record instead of the formal name the trust holds.
# Written for this evaluation from common English usage; each maps to one or more formal names.
NICKNAMES = {
    'William': ['Bill', 'Will', 'Billy', 'Liam'], 'Elizabeth': ['Liz', 'Beth', 'Betty', 'Lizzie', 'Eliza'],
    'James': ['Jim', 'Jimmy', 'Jamie'], 'Robert': ['Bob', 'Rob', 'Bobby', 'Robbie'], 'Michael': ['Mike', 'Mick', 'Mickey'],
    'David': ['Dave', 'Davy'], 'Stephen': ['Steve'], 'Anthony': ['Tony'], 'Christopher': ['Chris', 'Kit'],
    'Thomas': ['Tom', 'Tommy'], 'Daniel': ['Dan', 'Danny'], 'Samuel': ['Sam', 'Sammy'], 'Samantha': ['Sam', 'Sammy'],
    'Benjamin': ['Ben', 'Benny'], 'Joseph': ['Joe', 'Joey'], 'Nicholas': ['Nick', 'Nicky'], 'Matthew': ['Matt'],
    'Andrew': ['Andy', 'Drew'], 'Peter': ['Pete'], 'Philip': ['Phil'], 'Richard': ['Rich', 'Rick', 'Dick', 'Richie'],
    'Alexander': ['Alex', 'Sandy'], 'Alexandra': ['Alex', 'Sandra', 'Lexi'], 'Edward': ['Ed', 'Eddie', 'Ted', 'Ned'],
    'Henry': ['Harry', 'Hal'], 'John': ['Jack', 'Johnny', 'Jon'], 'Charles': ['Charlie', 'Chas', 'Chuck'],
    'Frederick': ['Fred', 'Freddie'], 'Kenneth': ['Ken', 'Kenny'], 'Ronald': ['Ron', 'Ronnie'], 'Donald': ['Don', 'Donny'],
    'Geoffrey': ['Geoff'], 'Gerald': ['Gerry'], 'Gregory': ['Greg'], 'Jonathan': ['Jon', 'Jonny'], 'Joshua': ['Josh'],
    'Katherine': ['Kate', 'Katie', 'Kathy', 'Kath'], 'Catherine': ['Cathy', 'Kate', 'Cath', 'Katie'],
    'Jennifer': ['Jenny', 'Jen'], 'Susan': ['Sue', 'Susie'], 'Sandra': ['Sandy'], 'Deborah': ['Debbie', 'Debs'],
    'Rebecca': ['Becky', 'Becca'], 'Victoria': ['Vicky', 'Tori'], 'Amanda': ['Mandy'],
    'Margaret': ['Maggie', 'Peggy', 'Meg', 'Madge'], 'Patricia': ['Pat', 'Patsy', 'Trish'], 'Joanne': ['Jo'],
    'Abigail': ['Abbie', 'Abby'], 'Eleanor': ['Ellie', 'Nell'], 'Sarah': ['Sally'], 'Christine': ['Chris', 'Chrissie'],
    'Jacqueline': ['Jackie', 'Jacqui'], 'Gillian': ['Gill', 'Gilly'], 'Valerie': ['Val'], 'Beverley': ['Bev'],
    'Jessica': ['Jess', 'Jessie'], 'Isabella': ['Izzy', 'Bella'], 'Charlotte': ['Lottie', 'Charlie'],
    'Natalie': ['Nat'], 'Stephanie': ['Steph'], 'Theodore': ['Theo', 'Ted'], 'Alfred': ['Alf', 'Alfie'],
    'Zachary': ['Zac', 'Zach'], 'Timothy': ['Tim'], 'Terence': ['Terry'], 'Leonard': ['Len', 'Lenny'],
    'Stanley': ['Stan'], 'Albert': ['Bert', 'Albie'], 'Walter': ['Wally', 'Walt'], 'Reginald': ['Reg', 'Reggie'],
    'Raymond': ['Ray'], 'Leslie': ['Les'], 'Douglas': ['Doug', 'Dougie'], 'Nathan': ['Nate'], 'Bernard': ['Bernie'],
    'Dorothy': ['Dot', 'Dotty'], 'Kathleen': ['Kath', 'Kathy'], 'Barbara': ['Babs'], 'Josephine': ['Josie', 'Jo'],
    'Frances': ['Fran'], 'Pamela': ['Pam'], 'Rosemary': ['Rosie'], 'Caroline': ['Carrie'], 'Harriet': ['Hattie'],
    'Florence': ['Flo', 'Florrie'], 'Matilda': ['Tilly', 'Tillie'], 'Amelia': ['Millie'], 'Mildred': ['Millie'],
    'Gwendoline': ['Gwen'], 'Constance': ['Connie'], 'Vincent': ['Vince'], 'Maurice': ['Mo'], 'Cyril': ['Cy'],
}

STAFFS_DISTRICTS = {
    'ST': ['Stoke-on-Trent', 'Newcastle-under-Lyme', 'Stafford', 'Staffordshire Moorlands'],
    'WS': ['Cannock Chase', 'Lichfield'], 'DE': ['East Staffordshire'], 'B': ['Tamworth'],
    'WV': ['South Staffordshire'], 'TF': ['Telford and Wrekin'], 'SY': ['Shropshire'],
}

OUTWARD = (
    [f'ST{i}' for i in range(1, 22)] + [f'WS{i}' for i in range(1, 16)] + ['DE13', 'DE14', 'DE15']
    + [f'TF{i}' for i in range(1, 14)] + [f'SY{i}' for i in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 21, 22)]
    + [f'WV{i}' for i in range(1, 17)] + ['B77', 'B78', 'B79']
)
